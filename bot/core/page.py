"""A channel's session as one read-only HTML page, for people who were not in the channel.

A manager, an alderman or a partner organisation reads what was agreed and how: the
statement, every draft version and what changed, the answers per question grouped by the
discipline people speak for, who spoke how much, the votes with their reasons, the parking
lot, the tasks and the check-ins. :mod:`bot.core.export` says the same things as data and
Markdown; this is the page.

Pure: ``now`` is an argument and the result is a string. Every word comes from
``prompts/page/<lang>.yaml`` (or the language files); every value people wrote (names,
answers, the topic, reasons, disciplines) is escaped. The page has no script, no external
asset and no ``style=`` attribute: one inline ``<style>``, allowed by the hash in
:attr:`Page.content_security_policy`, the header the server must send with it. User ids
never appear, only display names.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.dates import Calendar, calendar
from bot.core.model import (
    ChangeKind,
    ChannelState,
    Choice,
    Draft,
    Outcome,
    ParkedItem,
    Phase,
    TaskStatus,
    Vote,
    VoteRound,
)
from bot.core.perspectives import Balance, Share, balance, disciplines
from bot.core.schedule import ScheduleError, local_date, parse_rule, zone
from bot.core.script import Script
from bot.core.wordiff import word_diff

BOT = "bot"  # the author id of the draft the bot composed
MAX_CHART_LABEL = 32  # characters of a discipline (or name) shown beside its bar

CSS = """\
:root{--ink:#1f2328;--muted:#59636e;--line:#d8dde3;--paper:#fcfcfa;--tint:#f1f4f7;--accent:#2f5d8a;\
--ok:#2e6b3a;--warn:#8a5a00;--warn-tint:#fcf4e3;--bad:#a1262d;--bad-tint:#fbeeee}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0 auto;max-width:46rem;padding:1.5rem 1.25rem 3rem;background:var(--paper);color:var(--ink);\
font:1rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;\
overflow-wrap:break-word}
h1,h2,h3,h4{line-height:1.25;margin:1.6em 0 .5em}
h1{font-size:1.9rem;margin:.2rem 0 .6rem}
h2{font-size:1.4rem;padding-top:1.2rem;border-top:1px solid var(--line)}
h3{font-size:1.1rem}
h4{font-size:1rem;margin:1rem 0 .25rem}
p{margin:.5em 0}
a{color:var(--accent)}
.kicker{margin:0;color:var(--muted);font-size:.85rem;letter-spacing:.08em;text-transform:uppercase}
.meta,.intro,.none{color:var(--muted)}
.meta{margin:.2rem 0;font-size:.95rem}
.toc{margin:1.25rem 0 0;font-size:.95rem}
.toc h2{position:absolute;left:-999rem}
.toc ul{display:flex;flex-wrap:wrap;gap:.2rem 1.1rem;margin:0;padding:0;list-style:none}
.statement{margin:1rem 0;padding:1rem 1.25rem;border-left:.35rem solid var(--accent);background:var(--tint);\
font-size:1.3rem;line-height:1.5;white-space:pre-wrap}
.statement.draft{border-left-color:var(--warn);background:var(--warn-tint)}
.status{font-weight:600}
.status.agreed{color:var(--ok)}
.status.pending{color:var(--warn)}
.badge{display:inline-block;margin-left:.4rem;padding:0 .5rem;border:1px solid currentColor;border-radius:1rem;\
font-size:.78rem;font-weight:600;line-height:1.5;vertical-align:.15em;color:var(--muted)}
.badge.ok{color:var(--ok)}
.badge.warn{color:var(--warn)}
.badge.bad{color:var(--bad)}
article{margin:1.25rem 0}
article h3{margin:0 0 .2rem}
.text{margin:.5rem 0;white-space:pre-wrap}
.diff{margin:.4rem 0;padding:.5rem .75rem;background:var(--tint);border-radius:.3rem}
ins{background:#e2f0e5;color:#17401f;text-decoration:underline;text-decoration-thickness:2px}
del{background:#f8e1e1;color:#7a1d22}
.group{margin:.5rem 0 1rem}
.group h4 .people{font-weight:400;color:var(--muted)}
ul.answers{margin:0;padding-left:1.2rem}
ul.answers li{margin:.25rem 0;white-space:pre-wrap}
.who{font-weight:600}
ul.plain{margin:.5rem 0;padding:0;list-style:none}
ul.plain>li{margin:.45rem 0}
.vote{padding:.35rem .7rem;border-left:.25rem solid var(--line)}
.vote.concern{border-left-color:var(--warn);background:var(--warn-tint)}
.vote.object{border-left-color:var(--bad);background:var(--bad-tint)}
.choice{font-weight:600}
.vote.concern .choice{color:var(--warn)}
.vote.object .choice{color:var(--bad)}
.reason{display:block;white-space:pre-wrap}
.quote{white-space:pre-wrap}
.num{display:inline-block;min-width:1.8rem;font-weight:600;color:var(--muted)}
svg.chart{display:block;margin:1rem 0 .5rem;overflow:visible}
svg.chart text{font-family:inherit;fill:var(--ink)}
svg.chart .value{fill:var(--muted)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
caption{text-align:left;color:var(--muted);padding-bottom:.3rem}
th,td{padding:.3rem .55rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th[scope=row]{text-align:left;white-space:normal;font-weight:400}
thead th{font-weight:600}
thead th:first-child{text-align:left}
abbr{text-decoration:none}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:.5rem 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
footer{margin-top:3rem;padding-top:1rem;border-top:1px solid var(--line);color:var(--muted);font-size:.85rem}
@media (max-width:32rem){body{padding:1rem .9rem 2rem}h1{font-size:1.5rem}.statement{font-size:1.15rem;\
padding:.8rem 1rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}
@media print{body{max-width:none;padding:0;background:#fff;font-size:11pt}.toc{display:none}\
.statement,.diff,.vote.concern,.vote.object{background:none}a{color:inherit;text-decoration:none}\
h2,h3,h4{break-after:avoid}article,.group,li,tr,svg{break-inside:avoid}}"""


@dataclass(frozen=True, slots=True)
class Page:
    html: str  # a complete HTML5 document
    content_security_policy: str  # the CSP header value the server must send with it


def style_hash(css: str = CSS) -> str:
    """The CSP source that allows exactly ``css`` as the text of a ``<style>`` element."""
    return "sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")


def content_security_policy(css: str = CSS) -> str:
    return (f"default-src 'none'; style-src '{style_hash(css)}'; img-src 'self' data:; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'")


def render_page(state: ChannelState, script: Script, now: datetime) -> Page:
    """The session of ``state`` as a page, in the channel's language, as it stood at ``now``."""
    return Page(_Renderer(state, script, now).document(), content_security_policy())


def e(text: object) -> str:
    """``text`` safe as HTML text or as an attribute value."""
    return html.escape(str(text), quote=True)


class _Renderer:
    def __init__(self, state: ChannelState, script: Script, now: datetime) -> None:
        self.state = state
        self.script = script
        self.now = now
        self.lang = script.pack(state.language).language  # the language the texts are really in
        self.calendar: Calendar = calendar(script, self.lang)
        self.known = disciplines(state, script)  # user id -> discipline

    # ----------------------------------------------------------------- words

    def t(self, key: str, **params: object) -> str:
        """The text ``key`` with ``params`` filled in, escaped: ready to put in the page."""
        return e(self.script.text(self.lang, key, **params))

    def who(self, user: str | None) -> str:
        """A person's display name (plain text); never their id."""
        if user == BOT:
            return self.script.text(self.lang, "page_bot")
        if user is None or user not in self.state.participants:
            return self.script.text(self.lang, "page_someone")
        return self.state.participants[user]

    def when(self, instant: datetime) -> str:
        return self.calendar.moment(instant, self.state.timezone)

    def day(self, value: date) -> str:
        return self.calendar.day(value)

    def names(self, users: Iterable[str]) -> str:
        names = [self.who(user) for user in users]
        if len(names) <= 1:
            return "".join(names)
        return self.script.text(self.lang, "list_and", first=", ".join(names[:-1]), last=names[-1])

    def label(self, share: Share) -> str:
        """A group's heading: its discipline (capitalised as a heading), or its one person's name."""
        person = share.people[0] if share.people else None
        if person is not None and person not in self.known:
            return self.who(person)
        return share.label[:1].upper() + share.label[1:]

    # ----------------------------------------------------------------- the document

    def document(self) -> str:
        state = self.state
        topic = state.topic.strip() or self.script.text(self.lang, "page_untitled")
        sections = [
            ("statement", "page_statement", self.statement()),
            ("drafts", "page_drafts", self.drafts()),
            ("answers", "page_answers", self.answers()),
            ("participation", "page_participation", self.participation()),
            ("votes", "page_votes", self.votes()),
            ("parked", "page_parked", self.parked()),
            ("tasks", "page_tasks", self.tasks()),
            ("checkins", "page_checkins", self.checkins()),
        ]
        toc = "".join(f'<li><a href="#{anchor}">{self.t(key)}</a></li>' for anchor, key, _ in sections)
        body = "\n".join(
            f'<section id="{anchor}" aria-labelledby="{anchor}-h">\n<h2 id="{anchor}-h">{self.t(key)}</h2>\n'
            f"{content}\n</section>"
            for anchor, key, content in sections
        )
        policy = content_security_policy().replace("; frame-ancestors 'none'", "")  # not allowed in a meta
        return "\n".join([
            "<!DOCTYPE html>",
            f'<html lang="{e(self.lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{e(policy)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="robots" content="noindex, nofollow">',
            '<meta name="referrer" content="no-referrer">',
            f"<title>{self.t('page_title', topic=topic)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            self.header(topic),
            f'<nav class="toc" aria-labelledby="toc-h"><h2 id="toc-h">{self.t("page_contents")}</h2>'
            f"<ul>{toc}</ul></nav>",
            "<main>",
            body,
            "</main>",
            f"<footer><p>{self.t('page_footer', at=self.when(self.now))}</p></footer>",
            "</body>",
            "</html>",
            "",
        ])

    def header(self, topic: str) -> str:
        state = self.state
        phase = self.script.text(self.lang, f"phase_{state.phase.value}")
        lines = [self.p("kicker", "page_kicker"), f"<h1>{e(topic)}</h1>",
                 self.p("meta", "page_phase", phase=phase)]
        questions = self.script.questions(self.lang)
        if state.phase is Phase.ANALYSIS and 0 <= state.step < len(questions):
            lines.append(self.p("meta", "page_phase_question", number=state.step + 1, total=len(questions),
                                title=questions[state.step].title))
        facts = []
        if state.facilitator is not None:
            facts.append(self.t("page_facilitator", name=self.who(state.facilitator)))
        if state.started_at is not None:
            facts.append(self.t("page_started", at=self.when(state.started_at)))
        facts.append(self.t("page_as_of", at=self.when(self.now), zone=state.timezone))
        lines.append(f'<p class="meta">{" · ".join(facts)}</p>')
        return "<header>\n" + "\n".join(lines) + "\n</header>"

    def p(self, css_class: str, key: str, **params: object) -> str:
        """A paragraph of class ``css_class`` saying the text ``key``."""
        return f'<p class="{css_class}">{self.t(key, **params)}</p>'

    def none(self, key: str) -> str:
        return self.p("none", key)

    # ----------------------------------------------------------------- the statement

    def statement(self) -> str:
        state = self.state
        statement = state.statement
        if statement is not None:
            out = [self.p("status agreed", "page_statement_agreed", version=statement.version,
                          at=self.when(statement.agreed_at)),
                   f'<blockquote class="statement">{e(statement.text)}</blockquote>']
            agreeing = self.agreeing_round(statement.version)
            if agreeing is not None:
                out.append(self.agreement(agreeing))
            return "\n".join(out)
        draft = state.current_draft
        if draft is None:
            return self.none("page_statement_none")
        return "\n".join([
            self.p("status pending", "page_statement_not_agreed", version=draft.version, at=self.when(draft.at)),
            f'<blockquote class="statement draft">{e(draft.text)}</blockquote>',
        ])

    def agreeing_round(self, version: int) -> VoteRound | None:
        rounds = [r for r in self.state.rounds if r.outcome is Outcome.AGREED and r.version == version]
        return rounds[-1] if rounds else None

    def agreement(self, vote_round: VoteRound) -> str:
        """Who agreed with the statement, and the concerns they put on record with it."""
        agreed = [v.user for v in vote_round.votes if v.choice in (Choice.AGREE, Choice.CONCERN)]
        out = [self.p("meta", "page_agreed_by", count=len(agreed), voters=len(vote_round.votes),
                      names=self.names(agreed))]
        concerns = [v for v in vote_round.votes if v.choice is Choice.CONCERN]
        if concerns:
            out.append(f"<h3>{self.t('page_concerns_on_record')}</h3>")
            out.append('<ul class="plain">' + "".join(self.vote(v) for v in concerns) + "</ul>")
        return "\n".join(out)

    # ----------------------------------------------------------------- drafts

    def drafts(self) -> str:
        drafts = self.state.drafts
        if not drafts:
            return self.none("page_drafts_none")
        out = [self.p("intro", "page_drafts_intro")]
        last = len(drafts) - 1
        for index in range(last, -1, -1):
            out.append(self.draft(drafts[index], drafts[index - 1] if index else None, current=index == last))
        return "\n".join(out)

    def draft(self, draft: Draft, before: Draft | None, *, current: bool) -> str:
        statement = self.state.statement
        badges = []
        if statement is not None and statement.version == draft.version:
            badges.append(f'<span class="badge ok">{self.t("page_draft_agreed")}</span>')
        elif current:
            badges.append(f'<span class="badge warn">{self.t("page_draft_current")}</span>')
        out = [f'<article aria-labelledby="draft-{draft.version}">',
               f'<h3 id="draft-{draft.version}">{self.t("page_draft_version", version=draft.version)}'
               f'{"".join(badges)}</h3>',
               self.p("meta byline", "page_draft_by", author=self.who(draft.author), at=self.when(draft.at)),
               f'<div class="text">{e(draft.text)}</div>',
               self.changes(draft, before),
               "</article>"]
        return "\n".join(out)

    def changes(self, draft: Draft, before: Draft | None) -> str:
        if before is None:
            return self.p("meta", "page_draft_first")
        diff = word_diff(before.text, draft.text)
        if diff.unchanged:
            return self.p("meta", "page_draft_unchanged", version=before.version)
        if diff.rewritten:
            return self.p("meta", "page_draft_rewritten", version=before.version)
        words = []
        for part in diff.parts:
            if part.kind is ChangeKind.ADDED:
                words.append(f"<ins>{e(part.text)}</ins>")
            elif part.kind is ChangeKind.REMOVED:
                words.append(f"<del>{e(part.text)}</del>")
            elif part.kind is ChangeKind.GAP:
                words.append("…")
            else:
                words.append(e(part.text))
        out = [self.p("meta", "page_draft_changed", version=before.version),
               f'<p class="diff">{" ".join(words)}</p>']
        if diff.shown < diff.runs:
            out.append(self.p("meta", "page_draft_more", count=diff.runs - diff.shown))
        return "\n".join(out)

    # ----------------------------------------------------------------- answers

    def answers(self) -> str:
        out = [self.p("intro", "page_answers_intro")]
        order = {user: index for index, share in enumerate(self.balance().shares) for user in share.people}
        for number, question in enumerate(self.script.questions(self.lang), start=1):
            out.append(f"<h3>{self.t('page_question', number=number, title=question.title)}</h3>")
            shares = self.balance(number - 1).shares
            shares = tuple(sorted(shares, key=lambda share: order[share.people[0]]))  # the same order every question
            if not shares:
                out.append(self.none("page_no_answers"))
            for share in shares:
                out.append(self.group(share, number - 1))
        return "\n".join(out)

    def group(self, share: Share, step: int) -> str:
        named = bool(share.people) and share.people[0] in self.known
        people = self.names(share.people) if named else self.script.text(self.lang, "page_no_discipline")
        several = len(share.people) > 1
        items = []
        for answer in self.state.answers:
            if answer.step == step and answer.user in share.people:
                who = f'<span class="who">{e(self.who(answer.user))}:</span> ' if several else ""
                items.append(f"<li>{who}{e(answer.text)}</li>")
        return (f'<div class="group"><h4>{e(self.label(share))} <span class="people">({e(people)})</span></h4>'
                f'<ul class="answers">{"".join(items)}</ul></div>')

    def balance(self, step: int | None = None) -> Balance:
        return balance(self.state, self.script, step, known=self.known)

    # ----------------------------------------------------------------- participation

    def participation(self) -> str:
        out = []
        people = [self.person(user) for user in self.state.participants]
        if people:
            out.append(f"<h3>{self.t('page_people')}</h3>")
            out.append('<ul class="plain">' + "".join(f"<li>{person}</li>" for person in people) + "</ul>")
        total = self.balance()
        if not total.shares:
            out.append(self.none("page_participation_none"))
            return "\n".join(out)
        out.append(f"<h3>{self.t('page_chart_title')}</h3>")
        out.append(self.p("intro", "page_participation_intro"))
        out.append(self.chart(total))
        if total.dominant is not None:
            out.append(self.p("status pending", "page_dominant", label=self.label(total.dominant)))
        out.append(self.table(total))
        return "\n".join(out)

    def person(self, user: str) -> str:
        text = f'<span class="who">{e(self.who(user))}</span>'
        discipline = self.known.get(user)
        if discipline:
            text += f" · {e(discipline)}"
        if user == self.state.facilitator:
            text += f' <span class="badge">{self.t("page_person_facilitator")}</span>'
        return text

    def chart(self, total: Balance) -> str:
        """A horizontal bar per discipline, its name and share of the words above it.

        No viewBox: the text keeps its size on a phone and on paper while the bars (in percent
        of the width; the largest share fills it) follow the width of the page.
        """
        row = 46
        top = max(share.words for share in total.shares) or 1
        bars = []
        for index, share in enumerate(total.shares):
            y = index * row
            label = self.label(share)
            if len(label) > MAX_CHART_LABEL:
                label = label[:MAX_CHART_LABEL - 1].rstrip() + "…"
            size = max(100 * share.words / top, 0.5)
            value = self.script.text(self.lang, "page_chart_value", percent=total.percent(share), words=share.words)
            bars.append(
                f'<g><text x="0" y="{y + 16}" font-size="15"><tspan font-weight="600">{e(label)}</tspan>'
                f'<tspan class="value" font-size="14" dx="10">{e(value)}</tspan></text>'
                f'<rect x="0" y="{y + 23}" width="{size:.1f}%" height="16" rx="3" fill="#2f5d8a"/></g>'
            )
        described = "; ".join(
            self.script.text(self.lang, "page_chart_bar", label=self.label(share), percent=total.percent(share))
            for share in total.shares
        )
        return (f'<svg class="chart" role="img" aria-label="{self.t("page_chart_label", bars=described)}" '
                f'width="100%" height="{row * len(total.shares)}" xmlns="http://www.w3.org/2000/svg">'
                f'<title>{self.t("page_chart_title")}</title>' + "".join(bars) + "</svg>")

    def table(self, total: Balance) -> str:
        """Messages and words per discipline (rows) and question (columns)."""
        questions = self.script.questions(self.lang)
        row_of = {person: index for index, share in enumerate(total.shares) for person in share.people}
        cells: dict[tuple[int, int], Share] = {}
        for step in range(len(questions)):
            for share in self.balance(step).shares:
                cells[(row_of[share.people[0]], step)] = share
        head = "".join(f'<th scope="col"><abbr title="{e(question.title)}">{number}</abbr></th>'
                       for number, question in enumerate(questions, start=1))
        rows = []
        for index, share in enumerate(total.shares):
            counts = []
            for step in range(len(questions)):
                found = cells.get((index, step))
                counts.append(f"<td>{self.cell(found.messages, found.words) if found else '–'}</td>")
            rows.append(f'<tr><th scope="row">{e(self.label(share))}</th>{"".join(counts)}'
                        f"<td>{self.cell(share.messages, share.words)}</td></tr>")
        return (f'<div class="scroll"><table><caption>{self.t("page_table_caption")}</caption>'
                f'<thead><tr><th scope="col">{self.t("page_table_discipline")}</th>{head}'
                f'<th scope="col">{self.t("page_table_total")}</th></tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></div>')

    def cell(self, messages: int, words: int) -> str:
        return self.t("page_table_cell", messages=messages, words=words)

    # ----------------------------------------------------------------- votes

    def votes(self) -> str:
        if not self.state.rounds:
            return self.none("page_votes_none")
        return "\n".join(self.round(vote_round) for vote_round in reversed(self.state.rounds))

    def round(self, vote_round: VoteRound) -> str:
        outcome = vote_round.outcome
        if outcome is None:
            badge = f'<span class="badge warn">{self.t("page_round_open")}</span>'
        else:
            tone = {Outcome.AGREED: "ok", Outcome.OBJECTED: "bad"}.get(outcome, "")
            badge = f'<span class="badge {tone}">{self.t(f"outcome_{outcome.value}")}</span>'
        facts = [self.t("page_round_opened", name=self.who(vote_round.opened_by), at=self.when(vote_round.opened_at))]
        if vote_round.deadline is not None:
            facts.append(self.t("page_round_deadline", at=self.when(vote_round.deadline)))
        if vote_round.closed_at is not None:
            facts.append(self.t("page_round_closed", at=self.when(vote_round.closed_at)))
        counts = {choice.value: sum(1 for v in vote_round.votes if v.choice is choice) for choice in Choice}
        out = [f'<article aria-labelledby="round-{vote_round.number}">',
               f'<h3 id="round-{vote_round.number}">'
               f'{self.t("page_round", number=vote_round.number, version=vote_round.version)}{badge}</h3>',
               f'<p class="meta">{" · ".join(facts)}</p>']
        if vote_round.votes:
            out.append(self.p("meta", "page_round_counts", **counts))
            out.append('<ul class="plain">' + "".join(self.vote(v) for v in vote_round.votes) + "</ul>")
        else:
            out.append(self.none("page_round_no_votes"))
        out.append("</article>")
        return "\n".join(out)

    def vote(self, vote: Vote) -> str:
        reason = f'<span class="reason">{e(vote.reason)}</span>' if vote.reason else ""
        return (f'<li class="vote {vote.choice.value}"><span class="who">{e(self.who(vote.user))}</span> · '
                f'<span class="choice">{self.t(f"button_{vote.choice.value}")}</span>{reason}</li>')

    # ----------------------------------------------------------------- parking lot, tasks

    def parked(self) -> str:
        if not self.state.parked:
            return self.none("page_parked_none")
        items = "".join(self.parked_item(item) for item in self.state.parked)
        return f'<p class="intro">{self.t("page_parked_intro")}</p>\n<ul class="plain">{items}</ul>'

    def parked_item(self, item: ParkedItem) -> str:
        if item.task is not None:
            status = f'<span class="badge ok">{self.t("page_parked_task", id=item.task)}</span>'
        elif item.released:
            status = f'<span class="badge">{self.t("page_parked_released")}</span>'
        else:
            status = f'<span class="badge warn">{self.t("page_parked_waiting")}</span>'
        return (f'<li><span class="who">{e(self.who(item.user))}:</span> <span class="quote">{e(item.text)}</span>'
                f"{status}</li>")

    def tasks(self) -> str:
        if not self.state.tasks:
            return self.none("page_tasks_none")
        items = []
        for task in self.state.tasks:
            done = task.status is TaskStatus.DONE
            status = self.t("page_task_done" if done else "page_task_open")
            items.append(f'<li><span class="num">{task.id}.</span><span class="who">{e(self.who(task.owner))}:</span> '
                         f'{e(task.text)}<span class="badge{" ok" if done else ""}">{status}</span></li>')
        return f'<ul class="plain">{"".join(items)}</ul>'

    # ----------------------------------------------------------------- check-ins

    def checkins(self) -> str:
        checkins = self.state.checkins
        facts: list[tuple[str, str]] = []
        if checkins.rule:
            facts.append(("page_checkin_rule", self.rule(checkins.rule)))
            facts.append(("page_checkin_zone", self.state.timezone))
            if checkins.next_at is not None:
                facts.append(("page_checkin_next", self.when(checkins.next_at)))
            if checkins.paused_until:
                facts.append(("page_checkin_paused", self.paused(checkins.paused_until)))
        if checkins.vote_deadline is not None:
            facts.append(("page_checkin_vote_deadline", self.when(checkins.vote_deadline)))
        if checkins.review_at is not None:
            facts.append(("page_checkin_review", self.when(checkins.review_at)))
        if not facts:
            return self.none("page_checkins_none")
        rows = "".join(f"<dt>{self.t(key)}</dt><dd>{e(value)}</dd>" for key, value in facts)
        return f'<dl class="facts">{rows}</dl>'

    def rule(self, stored: str) -> str:
        """The stored schedule as the channel's people say it ("every week on Mon at 09:00")."""
        try:
            rule = parse_rule(stored, local_date(self.now, zone(self.state.timezone)))
        except ScheduleError:
            return stored
        names = self.script.text(self.lang, "day_names").split()
        return self.script.text(self.lang, f"rule_{rule.kind}", days=", ".join(names[d] for d in rule.days),
                                time=rule.at.strftime("%H:%M"), interval=rule.interval)

    def paused(self, stored: str) -> str:
        try:
            return self.day(date.fromisoformat(stored))
        except ValueError:
            return stored

