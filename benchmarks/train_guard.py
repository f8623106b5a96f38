"""Rebuild the shipped task-talk model from the corpus: ``make train-guard``.

Deterministic: the same corpus gives the same model file, byte for byte (liblinear with a
fixed seed, folds by conversation or minimal pair, gzip without a time stamp). The blind
sets are never read here.

Steps: hashed features of every training message (bot/core/guard/features.py); the
regularisation chosen by grouped 5-fold cross-validation; the two thresholds chosen on the
out-of-fold probabilities of the whole conversations by false-alarm rate (gentle: at most
GENTLE_FPR of ordinary messages in a conversation held, strict: at most STRICT_FPR), since
an interrupted ordinary message is what a team feels most; weights quantised to 16 bits.
"""

from __future__ import annotations

import argparse
import sys
from array import array
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.guard_data import Example, corpus_digest, training_set  # noqa: E402
from bot.core.guard.features import MASK, features, tokens  # noqa: E402
from bot.core.guard.linear import TaskTalkModel  # noqa: E402
from bot.shell.guard_model import shipped_path, write_model  # noqa: E402

GENTLE_FPR = 0.005
STRICT_FPR = 0.025
C_GRID = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
FOLDS = 5


def slots(example: Example) -> list[int]:
    message = tokens(example.text, example.names)
    context = tokens(example.context, example.names) if example.context else None
    return sorted({hashed for hashed, _, _ in features(message, context)})


def matrix(examples: list[Example]) -> csr_matrix:
    indptr, indices = [0], []
    for example in examples:
        row = slots(example)
        indices.extend(row)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    return csr_matrix((data, np.array(indices, dtype=np.int64), np.array(indptr)), shape=(len(examples), MASK + 1))


def fit(x: csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, solver="liblinear", random_state=0, max_iter=1000)
    model.fit(x, y)
    return model


def out_of_fold(x: csr_matrix, y: np.ndarray, groups: list[str], c: float) -> np.ndarray:
    probabilities = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        probabilities[test] = fit(x[train], y[train], c).predict_proba(x[test])[:, 1]
    return probabilities


def threshold_for(probabilities: np.ndarray, y: np.ndarray, fpr: float) -> float:
    """The lowest threshold that holds at most ``fpr`` of the negatives."""
    negatives = np.sort(probabilities[y == 0])[::-1]
    allowed = int(fpr * len(negatives))
    return float(min(0.99, max(0.05, negatives[allowed] + 1e-6))) if len(negatives) > allowed else 0.5


def train(out: Path, quiet: bool = False) -> TaskTalkModel:
    examples = training_set()
    y = np.array([e.task_talk for e in examples], dtype=np.int64)
    groups = [e.group for e in examples]
    x = matrix(examples)
    say = (lambda *a: None) if quiet else print
    say(f"{len(examples)} training messages, {int(y.sum())} task talk, {x.nnz / len(examples):.0f} features each")
    best_c, best_ap, best_oof = C_GRID[0], -1.0, np.zeros(len(y))
    for c in C_GRID:
        oof = out_of_fold(x, y, groups, c)
        ap = float(average_precision_score(y, oof))
        say(f"  C={c:<5} cross-validated average precision {ap:.4f}")
        if ap > best_ap + 1e-9:
            best_c, best_ap, best_oof = c, ap, oof
    talk = np.array([e.thread is not None for e in examples])
    gentle = threshold_for(best_oof[talk], y[talk], GENTLE_FPR)
    strict = min(gentle, threshold_for(best_oof[talk], y[talk], STRICT_FPR))
    recall = {name: float((best_oof[y == 1] >= t).mean()) for name, t in (("gentle", gentle), ("strict", strict))}
    say(f"chosen C={best_c}; thresholds gentle {gentle:.3f} (cv recall {recall['gentle']:.3f}), "
        f"strict {strict:.3f} (cv recall {recall['strict']:.3f})")
    final = fit(x, y, best_c)
    coef = final.coef_[0]
    scale = float(np.abs(coef).max() / 32767) or 1.0
    weights = array("h", np.round(coef / scale).astype(np.int16).tolist())
    model = TaskTalkModel(
        weights=weights, scale=scale, bias=float(final.intercept_[0]), gentle=round(gentle, 4),
        strict=round(strict, 4), version=f"lr-{corpus_digest()[:12]}",
        info={"family": "logistic regression on hashed word and character n-grams", "C": best_c,
              "training_messages": len(examples), "task_talk": int(y.sum()),
              "cv_average_precision": round(best_ap, 4), "cv_recall": {k: round(v, 4) for k, v in recall.items()},
              "corpus_sha256": corpus_digest()},
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_model(model, out)
    say(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=shipped_path(), help="where to write the model file")
    train(parser.parse_args().out)


if __name__ == "__main__":
    main()
