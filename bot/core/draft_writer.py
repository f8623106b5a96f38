"""Write version 1 of the problem statement from the answers: a short text worth voting on.

Pure and deterministic (same answers, same draft), offline, and driven by the language's
word lists (``draft_words:`` in ``prompts/<lang>.yaml``), so a language is data, not code:

1. Each answer is split into sentences; questions, greetings and talk about the talk
   ("I agree", "+1") are left out, and "Police here." tells that its author is the police.
2. Near-duplicates of one question are merged (token-set similarity): one is kept, and
   both authors are credited.
3. The most representative sentences (word overlap with everything else that was said) are
   chosen within a word budget, at least one per answered question, so the statement can be
   read in about 30 seconds.
4. The sentences of the questions the language marks ``attributed``, and those several people
   said, name their authors' discipline (or name); a "drawn from" line names everyone who answered and counts the
   answers not quoted (the export has them all).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.model import Answer, ChannelState
from bot.core.script import DraftWords, Script

WORD_BUDGET = 110  # words quoted; with the labels and credits about 140: a 30-second read
MERGE_SIMILARITY = 0.6  # token-set (Jaccard) similarity from which two sentences say the same
MIN_CONTENT_WORDS = 2  # fewer words that are not stopwords: not a statement ("Landlords too.")
MAX_DISCIPLINE_WORDS = 4

_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\s*\n\s*")
_TOKEN = re.compile(r"\+1|[^\W_]+(?:['’][^\W_]+)*")
_LEAD = re.compile(r"^(?P<lead>[^,;:!–—]+)[,;:!–—]+\s*(?P<rest>.+)$")  # "Hi all, <the rest>"
_CLAUSE = re.compile(r"(?<=[,;:])\s+|\s+(?=[–—-]\s)")  # after ", " "; " ": ", before " - "
_ENDS = (".", "!", "?", "…")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A statement from the answers; ``users`` are everyone who said (nearly) it."""

    step: int
    order: int  # position among all sentences: ties and output keep the conversation's order
    text: str
    users: tuple[str, ...]
    answers: frozenset[int]  # indexes (in state.answers) of the answers it stands for
    tokens: frozenset[str]  # content words, lower case


@dataclass(frozen=True, slots=True)
class Material:
    """What the answers say once sorted: the statements per question and who is who."""

    sentences: tuple[Sentence, ...]  # after merging, in conversation order
    disciplines: Mapping[str, str]  # user id -> discipline, from "Police here."
    contributors: tuple[str, ...]  # user ids of everyone who answered, in order


def gather(answers: Sequence[Answer], words: DraftWords, declared: Mapping[str, str] | None = None) -> Material:
    """Sort the answers into statements (merged) and disciplines.

    ``declared`` (user id -> discipline, from ``/problem iam``) wins over what an answer introduces.
    """
    disciplines: dict[str, str] = dict(declared or {})
    found: list[Sentence] = []
    introductions = [_introduction(pattern) for pattern in words.introductions]
    for index, answer in enumerate(answers):
        for text in _sentences(answer.text):
            text = _without_lead(text, words)
            if not text:
                continue
            plain = _plain(text)
            discipline = _discipline(plain, introductions, words.stopwords)
            if discipline is not None:
                disciplines.setdefault(answer.user, discipline)
                continue
            if _is_question(text, plain, words) or plain in words.greetings or plain in words.meta:
                continue
            tokens = frozenset(t for t in plain.split() if t not in words.stopwords)
            if len(tokens) < MIN_CONTENT_WORDS:
                continue
            found.append(Sentence(answer.step, len(found), _finished(text), (answer.user,),
                                  frozenset({index}), tokens))
    contributors = tuple(dict.fromkeys(answer.user for answer in answers))
    return Material(_merged(found), disciplines, contributors)


def write_draft(state: ChannelState, script: Script, budget: int = WORD_BUDGET) -> str:
    """Version 1 of the statement: the language's ``draft_template`` filled with the chosen
    sentences, then who it was drawn from."""
    language = state.language
    pack = script.pack(language)
    material = gather(state.answers, pack.draft_words, state.perspectives)
    chosen = choose(material.sentences, budget)
    gap = script.text(language, "draft_gap")

    def credit(users: tuple[str, ...]) -> str:
        who = ", ".join(_who(script, language, state.participants, material.disciplines, user) for user in users)
        return script.text(language, "draft_credit", who=who)

    values: dict[str, str] = {"topic": state.topic or gap}
    for step, question in enumerate(pack.questions):
        picked = [s for s in chosen if s.step == step]
        attributed = question.id in pack.draft_words.attributed
        # A perspective names its source; so does what several people said (they are merged).
        parts = [_credited(s.text, credit(s.users)) if attributed or len(s.users) > 1 else s.text for s in picked]
        values[question.id] = " ".join(parts) if parts else gap
    body = pack.draft_template.format_map(values).strip()
    return body + "\n\n" + drawn_from(state, script, material, chosen)


def drawn_from(state: ChannelState, script: Script, material: Material, chosen: Sequence[Sentence]) -> str:
    """Everyone who answered, by name (and discipline), and how many answers are not quoted."""
    language = state.language
    names = [_named(state.participants, material.disciplines, user) for user in material.contributors]
    lines = [script.text(language, "draft_drawn_from", names=_listed(script, language, names))] if names else []
    used = set().union(*(s.answers for s in chosen)) if chosen else set()
    left_out = len(state.answers) - len(used)
    if left_out:
        key = "draft_left_out_one" if left_out == 1 else "draft_left_out"
        lines.append(script.text(language, key, count=left_out))
    return " ".join(lines)


def quoted(text: str, script: Script, language: str) -> str:
    """``text`` without the bot's "drawn from" line, for messages that quote a draft again.

    The line names everyone who answered; on Slack a name is a mention, so repeating it in
    every vote message and check-in would page the whole team each time. Version 1's own post,
    the status and the export keep it.
    """
    head, _, last = text.rpartition("\n\n")
    prefix = script.text(language, "draft_drawn_from", names="\0").split("\0")[0]
    return head if head and prefix and last.startswith(prefix) else text


def _listed(script: Script, language: str, names: Sequence[str]) -> str:
    """"Alice, Bob and Carol", with the language's word for "and"."""
    if len(names) < 2:
        return "".join(names)
    return script.text(language, "draft_names", names=", ".join(names[:-1]), last=names[-1])


# --------------------------------------------------------------------------- a language model's draft


MAX_MODEL_WORDS = 3 * WORD_BUDGET  # longer than this is not the short statement asked for
MAX_MODEL_CHARS = 3000
_THINKING = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)  # what some local models say first
_FENCE = re.compile(r"^```[\w-]*\s*\n?(?P<body>.*?)\n?```$", re.DOTALL)


def model_instructions(state: ChannelState, script: Script) -> str:
    """What the model is asked to do, in the channel's language, with the template as the form."""
    pack = script.pack(state.language)
    form = pack.draft_template.format_map({"topic": "…", **{q.id: "…" for q in pack.questions}})
    return script.text(state.language, "draft_model_instructions", form=form)


def model_material(state: ChannelState, script: Script) -> str:
    """Everything the model gets to read: the topic, each question and its answers, each by its
    author's display name and discipline. Nothing else about the channel or the people."""
    pack = script.pack(state.language)
    disciplines = gather(state.answers, pack.draft_words, state.perspectives).disciplines
    lines = [script.text(state.language, "topic_line", topic=state.topic).strip()] if state.topic else []
    for step, question in enumerate(pack.questions):
        lines += ["", f"## {question.title}"]
        lines += [f"- {_named(state.participants, disciplines, a.user)}: {' '.join(a.text.split())}"
                  for a in state.answers if a.step == step]
    return "\n".join(lines).strip()


def usable(text: str) -> str | None:
    """A model's answer as a draft, or None when it is not one (empty, a wall of text, code)."""
    text = _THINKING.sub("", text).strip()
    fenced = _FENCE.match(text)
    if fenced is not None:
        text = fenced["body"].strip()
    text = "\n".join(line.rstrip() for line in text.splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if not _TOKEN.search(text) or len(text) > MAX_MODEL_CHARS or len(text.split()) > MAX_MODEL_WORDS:
        return None
    if "```" in text or "<think>" in text:
        return None
    return text


def with_credits(text: str, state: ChannelState, script: Script) -> str:
    """The model's draft with the line naming everyone it was drawn from (never left to the model)."""
    material = gather(state.answers, script.pack(state.language).draft_words, state.perspectives)
    names = [_named(state.participants, material.disciplines, user) for user in material.contributors]
    if not names:
        return text
    return text + "\n\n" + script.text(state.language, "draft_drawn_from",
                                         names=_listed(script, state.language, names))


def choose(sentences: Sequence[Sentence], budget: int = WORD_BUDGET) -> list[Sentence]:
    """The most representative sentences within ``budget`` words, in conversation order.

    Every answered question gets its best sentence first; when those alone would take more
    than the budget, the longest are shortened at a clause (the whole answer is in the
    export). More sentences are added, best first, only while they fit.
    """
    scores = {s.order: _centrality(s, sentences) for s in sentences}

    def rank(s: Sentence) -> tuple[float, int]:
        return (-scores[s.order], s.order)

    steps = sorted({s.step for s in sentences})
    best = [min((s for s in sentences if s.step == step), key=rank) for step in steps]
    cap = _cap([_words(s) for s in best], budget)
    chosen = [s if _words(s) <= cap else _shortened(s, cap) for s in best]
    used = sum(_words(s) for s in chosen)
    taken = {s.order for s in chosen}
    for s in sorted(sentences, key=rank):
        if s.order not in taken and used + _words(s) <= budget:
            chosen.append(s)
            used += _words(s)
    return sorted(chosen, key=lambda s: s.order)


def _cap(lengths: Sequence[int], budget: int) -> int:
    """The largest length L such that the lengths, each cut to L, add up to ``budget`` at most."""
    if sum(lengths) <= budget:
        return max(lengths, default=0)
    cap = max(budget // max(len(lengths), 1), 1)
    while sum(min(length, cap + 1) for length in lengths) <= budget:
        cap += 1
    return cap


def _shortened(sentence: Sentence, cap: int) -> Sentence:
    """``sentence`` cut after its last whole clause within ``cap`` words (else after ``cap`` words)."""
    kept: list[str] = []
    for clause in _CLAUSE.split(sentence.text):
        if len(kept) + len(clause.split()) > cap:
            break
        kept += clause.split()
    if not kept:
        kept = sentence.text.split()[:cap]
    text = " ".join(kept).rstrip(",;:–—-.!? ") + "…"
    return Sentence(sentence.step, sentence.order, text, sentence.users, sentence.answers, sentence.tokens)


# --------------------------------------------------------------------------- sorting answers


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_BREAK.split(text) if part and part.strip()]


def _plain(text: str) -> str:
    """Lower-case words without punctuation: how phrases from the word lists are compared."""
    return " ".join(_TOKEN.findall(text.lower()))


def _without_lead(text: str, words: DraftWords) -> str:
    """``text`` without leading greetings or meta clauses ("Hi all, agreed, the ..." -> "The ...")."""
    while (match := _LEAD.match(text)) is not None:
        lead = _plain(match["lead"])
        if lead not in words.greetings and lead not in words.meta:
            break
        rest = match["rest"].strip()
        text = rest[:1].upper() + rest[1:]
    plain = _plain(text)
    return "" if plain in words.greetings or plain in words.meta or not plain else text


def _introduction(pattern: str) -> re.Pattern[str]:
    before, _, after = _plain(pattern.replace("{discipline}", " DISCIPLINE ")).partition("discipline")
    return re.compile(re.escape(before) + r"(?P<discipline>.+?)" + re.escape(after) + "$")


def _discipline(plain: str, introductions: Sequence[re.Pattern[str]], stopwords: frozenset[str]) -> str | None:
    """The discipline an introduction names ("the police here" -> "police"), if ``plain`` is one."""
    for pattern in introductions:
        match = pattern.fullmatch(plain)
        if match is not None:
            named = match["discipline"].split()
            while named and named[0] in stopwords:  # "the police", "de politie"
                named = named[1:]
            if 0 < len(named) <= MAX_DISCIPLINE_WORDS:
                return " ".join(named)
    return None


def _is_question(text: str, plain: str, words: DraftWords) -> bool:
    if text.endswith("?"):
        return True
    # Typed without a question mark: starts like a question and has no full stop either.
    first = plain.split(" ", 1)[0]
    return first in words.question_starts and not text.endswith((".", "!", "…"))


def _finished(text: str) -> str:
    text = " ".join(text.split())
    text = text[:1].upper() + text[1:]
    return text if text.endswith(_ENDS) else text + "."


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _merged(sentences: Sequence[Sentence]) -> tuple[Sentence, ...]:
    """Near-duplicates of one question become one sentence (the fuller one) crediting everyone."""
    kept: list[Sentence] = []
    for sentence in sentences:
        for position, other in enumerate(kept):
            if other.step == sentence.step and _similarity(other.tokens, sentence.tokens) >= MERGE_SIMILARITY:
                fuller = sentence if len(sentence.tokens) > len(other.tokens) else other
                users = tuple(dict.fromkeys((*other.users, *sentence.users)))
                kept[position] = Sentence(other.step, other.order, fuller.text, users,
                                          other.answers | sentence.answers, fuller.tokens)
                break
        else:
            kept.append(sentence)
    return tuple(kept)


def _centrality(sentence: Sentence, sentences: Sequence[Sentence]) -> float:
    """How much of what the others said this sentence shares: its own question's answers count
    fully, the other questions' half; a sentence several people said counts once more each."""
    score = float(len(sentence.users) - 1)
    for other in sentences:
        if other.order != sentence.order:
            weight = 1.0 if other.step == sentence.step else 0.5
            score += weight * _similarity(sentence.tokens, other.tokens)
    return score


def _words(sentence: Sentence) -> int:
    return len(sentence.text.split())


# --------------------------------------------------------------------------- naming people


def _named(participants: Mapping[str, str], disciplines: Mapping[str, str], user: str) -> str:
    name = participants.get(user, user)
    discipline = disciplines.get(user)
    return f"{name} ({discipline})" if discipline else name


def _who(script: Script, language: str, participants: Mapping[str, str], disciplines: Mapping[str, str],
         user: str) -> str:
    name = participants.get(user, user)
    discipline = disciplines.get(user)
    if discipline is None:
        return name
    return script.text(language, "draft_credit_discipline", discipline=discipline, name=name)


def _credited(text: str, credit: str) -> str:
    """``text`` with its credit before the full stop: "It is late (police: Bob)."."""
    if text.endswith("."):
        return f"{text[:-1]} {credit}."
    return f"{text} {credit}"
