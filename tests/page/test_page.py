"""The session page, read as a manager or a partner organisation who was not in the channel reads it.

Each state comes from a real conversation through the engine (``tests/engine/chat.py``), in
English and in Dutch; the page is then read back into sections, headings and lists.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.core.engine import new_state
from bot.core.model import Phase, Sender
from bot.core.page import Page, render_page
from bot.core.script import Script
from bot.shell.prompts import DEFAULT_PROMPTS_DIR
from tests.engine.chat import Chat
from tests.engine.test_journey import ANSWERS_EN, ANSWERS_NL
from tests.page.reading import Node, answers, read

PAGE_MODULE = Path(__file__).resolve().parents[2] / "bot" / "core" / "page.py"


@dataclass
class Team(Chat):
    """A chat whose people have user ids unlike their display names, as on Slack (``U07ABC`` -> Alice)."""

    names: dict[str, str] = field(default_factory=dict)

    def sender(self, user: str) -> Sender:
        return Sender(user, self.names.get(user, user), is_admin=user in self.admins)


EN_NAMES = {"uid-alice": "Alice", "uid-bob": "Bob", "uid-carol": "Carol", "uid-dave": "Dave", "uid-erin": "Erin"}
NL_NAMES = {"uid-anna": "Anna", "uid-bram": "Bram", "uid-cees": "Cees", "uid-dirk": "Dirk"}

VERSION_2_EN = "Young people in Noord and their parents run up debts nobody sees."
VERSION_3_EN = "Young people in Noord and their parents run up debts that nobody sees in time."
DAVE = "Housing corporation here. We see rent arrears months before anyone else does."
ERIN = "Their parents often signed the phone contracts for them."
VERSION_2_NL = "Jongeren in Noord en hun ouders bouwen schulden op die niemand ziet."


def english_session(script: Script) -> Team:
    """A whole session: answers from two disciplines and one person who named none, task talk parked,
    an objection, two new versions, agreement with a concern, tasks and a check-in schedule."""
    chat = Team(script, channel="slack:T1:C1", names=EN_NAMES)
    chat.say("uid-alice", "/problem start young people and debts")
    chat.say("uid-bob", "Police here. " + ANSWERS_EN[0])
    chat.say("uid-dave", DAVE)
    said = chat.say("uid-carol", "I'll take care of the housing part, I know the landlords.")
    assert "parked it (#" in said
    chat.say("uid-alice", "/problem next")
    chat.say("uid-bob", ANSWERS_EN[1])
    chat.say("uid-erin", ERIN)
    for answer in ANSWERS_EN[2:]:
        chat.say("uid-alice", "/problem next")
        chat.say("uid-bob", answer)
    chat.say("uid-alice", "/problem next")
    assert chat.state.phase is Phase.DRAFTING
    chat.say("uid-alice", "/problem vote")
    chat.say("uid-bob", "/problem agree")
    chat.say("uid-carol", "/problem object it leaves out the parents")
    chat.say("uid-carol", f"/problem draft {VERSION_2_EN}")
    chat.say("uid-alice", f"/problem draft {VERSION_3_EN}")
    chat.say("uid-alice", "/problem vote")
    for user in ("uid-alice", "uid-bob", "uid-erin"):
        chat.say(user, "/problem agree")
    chat.say("uid-dave", "/problem abstain")
    said = chat.say("uid-carol", "/problem concern we need numbers on the parents")
    assert chat.state.phase is Phase.AGREED, said.text
    chat.say("uid-alice", "/problem task @carol share the rent-arrears signal monthly")
    chat.say("uid-alice", "/problem task from-parked 1")
    chat.say("uid-carol", "/problem done 1")
    chat.say("uid-alice", "/problem checkin weekly mon 09:00")
    return chat


def dutch_session(script: Script) -> Team:
    chat = Team(script, channel="telegram:-100123", language="nl", names=NL_NAMES)
    chat.say("uid-anna", "/probleem start jongeren en schulden")
    chat.say("uid-bram", "Politie hier. " + ANSWERS_NL[0])
    chat.say("uid-dirk", "Woningcorporatie hier. Wij zien de huurachterstand maanden eerder dan de rest.")
    assert "geparkeerd (#" in chat.say("uid-cees", "Ik pak de schuldhulpverlening op")
    for answer in ANSWERS_NL[1:]:
        chat.say("uid-anna", "/probleem volgende")
        chat.say("uid-bram", answer)
    chat.say("uid-anna", "/probleem volgende")
    chat.say("uid-anna", "/probleem stem")
    chat.say("uid-bram", "/probleem akkoord")
    chat.say("uid-cees", "/probleem bezwaar de ouders ontbreken")
    chat.say("uid-cees", f"/probleem concept {VERSION_2_NL}")
    chat.say("uid-anna", "/probleem stem")
    for user in ("uid-anna", "uid-bram", "uid-dirk"):
        chat.say(user, "/probleem akkoord")
    chat.say("uid-cees", "/probleem zorg we hebben cijfers over de ouders nodig")
    assert chat.state.phase is Phase.AGREED
    chat.say("uid-anna", "/probleem taak @cees belt de corporatie")
    return chat


@pytest.fixture(scope="module")
def english(script: Script) -> tuple[Team, Page]:
    chat = english_session(script)
    return chat, render_page(chat.state, script, chat.now)


@pytest.fixture(scope="module")
def dutch(script: Script) -> tuple[Team, Page]:
    chat = dutch_session(script)
    return chat, render_page(chat.state, script, chat.now)


def headings(section: Node, tag: str = "h3") -> list[str]:
    return [node.text for node in section.all(tag)]


# --------------------------------------------------------------------------- what a reader sees


def test_the_agreed_statement_is_set_off_as_a_quote_with_its_version_and_date(english: tuple[Team, Page]) -> None:
    page = read(english[1].html)
    assert page.one("h1").text == "young people and debts"
    statement = page.by_id("statement")
    assert statement.one("blockquote", "statement").text == VERSION_3_EN
    assert statement.one("p", "status").text.startswith("Agreed · version 3 · Mon 2 Mar 2026, ")
    assert "Agreed by 4 of 5: Alice, Bob, Erin and Carol" in statement.text  # a concern is consent
    concern = statement.one("li", "concern")
    assert concern.text == "Carol · Concern" + "we need numbers on the parents"
    assert "Phase: statement agreed" in page.one("header").text


def test_every_draft_version_newest_first_with_its_author_and_what_changed(english: tuple[Team, Page]) -> None:
    drafts = read(english[1].html).by_id("drafts")
    articles = drafts.all("article")
    assert [article.one("h3").text for article in articles] == ["Version 3agreed", "Version 2", "Version 1"]
    newest, middle, first = articles
    assert newest.one("p", "byline").text.startswith("Alice · Mon 2 Mar 2026")
    assert newest.one("div", "text").text == VERSION_3_EN
    diff = newest.one("p", "diff")
    assert [node.text for node in diff.all("ins")] == ["that", "sees in time."]
    assert [node.text for node in diff.all("del")] == ["sees."]
    assert "Changed since version 2:" in newest.text
    assert middle.one("p", "byline").text.startswith("Carol · ")
    assert "Rewritten: most of the text differs from version 1." in middle.text
    assert first.one("p", "byline").text.startswith("Voordenken, from the answers · ")
    assert "Problem: " in first.one("div", "text").text and "The first version." in first.text


def test_the_answers_stand_under_their_question_grouped_by_discipline(english: tuple[Team, Page],
                                                                      script: Script) -> None:
    shown = answers(read(english[1].html))
    titles = [f"{number}. {question.title}" for number, question in enumerate(script.questions("en"), start=1)]
    assert list(shown) == titles
    first = shown["1. What is the problem?"]
    assert first["Police"] == ["Police here. " + ANSWERS_EN[0]]
    assert first["Housing corporation"] == [DAVE]
    assert shown["2. Who is affected?"] == {"Police": [ANSWERS_EN[1]],
                                            "Erin": [ERIN]}
    assert shown["6. What do we want to achieve together?"] == {"Police": [ANSWERS_EN[5]]}
    assert not any("landlords" in text for groups in shown.values() for texts in groups.values() for text in texts)
    page = read(english[1].html)
    groups = page.by_id("answers").all("div", "group")
    assert {group.one("h4").text for group in groups} >= {"Police (Bob)", "Housing corporation (Dave)",
                                                          "Erin (no discipline named)"}


def test_who_spoke_is_a_bar_per_discipline_with_its_share_and_a_table_per_question(
        english: tuple[Team, Page]) -> None:
    section = read(english[1].html).by_id("participation")
    svg = section.one("svg")
    assert svg.attrs["role"] == "img"
    assert svg.elements[0].tag == "title" and svg.elements[0].text == "Words per discipline"
    label = svg.attrs["aria-label"]
    assert label.startswith("Words per discipline: ")
    bars = svg.all("g")
    assert len(svg.all("rect")) == len(bars) == 3  # Police, Housing corporation, and Erin, who named none
    texts = [bar.one("text") for bar in bars]
    assert [text.elements[0].text for text in texts] == ["Police", "Housing corporation", "Erin"]
    percents = [int(re.match(r"(\d+)% · \d+ words", text.elements[1].text).group(1)) for text in texts]  # type: ignore[union-attr]
    assert percents == sorted(percents, reverse=True) and 98 <= sum(percents) <= 102
    assert all(f"{name} {percent}%" in label for name, percent in zip(["Police", "Housing corporation", "Erin"],
                                                                        percents, strict=True))
    widths = [float(rect.attrs["width"].rstrip("%")) for rect in svg.all("rect")]
    assert widths[0] == 100 and widths == sorted(widths, reverse=True)

    table = section.one("table")
    assert [cell.text for cell in table.one("thead").all("th")] == ["Discipline", "1", "2", "3", "4", "5", "6",
                                                                     "Total"]
    rows = {row.one("th").text: [cell.text for cell in row.all("td")] for row in table.one("tbody").all("tr")}
    dave = len(DAVE.split())
    assert rows["Housing corporation"] == [f"1 · {dave}", "–", "–", "–", "–", "–", f"1 · {dave}"]
    erin = len(ERIN.split())
    assert rows["Erin"] == ["–", f"1 · {erin}", "–", "–", "–", "–", f"1 · {erin}"]
    assert rows["Police"][0] == f"1 · {len(('Police here. ' + ANSWERS_EN[0]).split())}"
    people = [item.text for item in section.one("ul", "plain").all("li")]
    assert people[:3] == ["Alice facilitator", "Bob · police", "Dave · housing corporation"]


def test_the_vote_record_shows_each_round_and_highlights_concerns_and_objections(
        english: tuple[Team, Page]) -> None:
    votes = read(english[1].html).by_id("votes")
    rounds = votes.all("article")
    assert [node.one("h3").text for node in rounds] == ["Round 2 · version 3agreed", "Round 1 · version 1objection"]
    latest, first = rounds
    assert "Agree 3 · concern 1 · object 0 · abstain 1" in latest.text
    assert [item.text for item in latest.all("li")] == [
        "Alice · Agree", "Bob · Agree", "Erin · Agree", "Dave · Abstain",
        "Carol · Concern" + "we need numbers on the parents"]
    objection = first.one("li", "object")
    assert objection.one("span", "choice").text == "Object"
    assert objection.one("span", "reason").text == "it leaves out the parents"
    assert latest.one("li", "concern").one("span", "reason").text == "we need numbers on the parents"
    assert "Opened by Alice, Mon 2 Mar 2026" in first.text


def test_the_parked_message_the_tasks_and_the_check_ins(english: tuple[Team, Page]) -> None:
    page = read(english[1].html)
    parked = page.by_id("parked").all("li")
    assert [item.text for item in parked] == [
        "Carol: I'll take care of the housing part, I know the landlords.became task 2"]
    tasks = [item.text for item in page.by_id("tasks").all("li")]
    assert tasks == ["1.Carol: share the rent-arrears signal monthlydone",
                     "2.Carol: I'll take care of the housing part, I know the landlords.open"]
    checkins = page.by_id("checkins")
    facts = dict(zip([n.text for n in checkins.all("dt")], [n.text for n in checkins.all("dd")], strict=True))
    assert facts == {"Check-ins": "every week on Mon at 09:00", "Time zone": "UTC",
                     "Next check-in": "Mon 9 Mar 2026, 09:00"}


def test_the_dutch_page_is_dutch(dutch: tuple[Team, Page], script: Script) -> None:
    page = read(dutch[1].html)
    assert page.one("html").attrs["lang"] == "nl"
    assert [node.text for node in page.one("main").all("h2")] == [
        "Probleemstelling", "Conceptversies", "De antwoorden", "Wie sprak er", "Stemrondes", "Parkeerplaats",
        "Taken", "Check-ins"]
    statement = page.by_id("statement")
    assert statement.one("blockquote", "statement").text == VERSION_2_NL
    assert statement.one("p", "status").text.startswith("Vastgesteld · versie 2 · ma 2 mrt 2026, ")
    shown = answers(page)
    assert list(shown) == [f"{n}. {q.title}" for n, q in enumerate(script.questions("nl"), start=1)]
    assert shown["1. Wat is het probleem?"] == {
        "Politie": ["Politie hier. " + ANSWERS_NL[0]],
        "Woningcorporatie": ["Woningcorporatie hier. Wij zien de huurachterstand maanden eerder dan de rest."]}
    votes = page.by_id("votes")
    assert [node.one("h3").text for node in votes.all("article")] == [
        "Stemronde 2 · versie 2vastgesteld", "Stemronde 1 · versie 1bezwaar"]
    assert votes.one("li", "object").text == "Cees · Bezwaarde ouders ontbreken"
    assert votes.one("li", "concern").text == "Cees · Zorgwe hebben cijfers over de ouders nodig"
    assert page.by_id("parked").one("li").text == "Cees: Ik pak de schuldhulpverlening opnog geparkeerd"
    assert page.by_id("tasks").one("li").text == "1.Cees: belt de corporatieopen"
    assert page.by_id("participation").one("svg").all("title")[0].text == "Woorden per vakgebied"
    text = page.text
    for english_word in ("Version", "Agreed", "Problem statement", "Question", "words", "Round", "nobody"):
        assert english_word not in text, english_word


def test_a_session_that_has_only_begun_says_what_is_not_there_yet(script: Script) -> None:
    chat = Chat(script)
    chat.say("alice", "/problem start")
    chat.say("bob", "Reports get lost between the police and the youth team.")
    page = read(render_page(chat.state, script, chat.now).html)
    assert page.one("h1").text == "A session without a topic"
    assert "Question 1 of 6: What is the problem?" in page.one("header").text
    assert page.by_id("statement").one("p", "none").text == "No problem statement has been drafted yet."
    for section, text in (("drafts", "No draft yet."), ("votes", "No agreement round has been held yet."),
                          ("parked", "Nothing was parked."), ("tasks", "No tasks yet."),
                          ("checkins", "No check-ins are scheduled.")):
        assert page.by_id(section).one("p", "none").text == text
    assert [node.text for node in page.by_id("answers").all("p", "none")] == ["Nobody answered this question."] * 5
    empty = read(render_page(new_state("console:x"), script, chat.now).html)
    assert empty.by_id("participation").one("p", "none").text == "Nobody has answered yet."


def test_a_draft_not_agreed_yet_is_marked_so(script: Script) -> None:
    chat = Chat(script)
    chat.say("alice", "/problem start debts")
    chat.say("bob", "Reports get lost between the police and the youth team.")
    for _ in range(6):
        chat.say("alice", "/problem next")
    chat.say("alice", "/problem vote")
    page = read(render_page(chat.state, script, chat.now).html)
    statement = page.by_id("statement")
    assert statement.one("p", "status").text.startswith("Not agreed yet · current draft, version 1 · ")
    assert "draft" in statement.one("blockquote").classes
    assert page.by_id("votes").one("h3").text == "Round 1 · version 1still open"
    assert "Vote deadline" not in page.by_id("checkins").text


# --------------------------------------------------------------------------- safety


HOSTILE_NAMES = {"uid-x": "<script>alert(1)</script>", "uid-y": '"><img src=x onerror=alert(1)>',
                 "uid-z": "**Zed** <@U123>"}
HOSTILE_ANSWER = "<script>alert(1)</script> **bold** [x](javascript:alert(1)) <@U123> <!channel> & done."
HOSTILE_DISCIPLINE = '<img src=x onerror=alert(1)> & "police"'


def hostile_session(script: Script) -> Team:
    chat = Team(script, names=HOSTILE_NAMES)
    chat.say("uid-x", '/problem start <!channel> "><img src=x onerror=alert(1)>')
    chat.say("uid-y", HOSTILE_ANSWER)
    chat.say("uid-z", "Shelters see <b>young people</b> [late](https://evil.example) every winter.")
    for _ in range(6):
        chat.say("uid-x", "/problem next")
    chat.say("uid-x", '/problem draft "><img src=x onerror=alert(1)> **our** problem <script>x</script>')
    chat.say("uid-x", "/problem vote")
    chat.say("uid-x", "/problem agree")
    chat.say("uid-y", "/problem concern <script>alert(2)</script> [y](javascript:alert(1))")
    chat.say("uid-z", "/problem agree")
    assert chat.state.phase is Phase.AGREED
    chat.say("uid-x", "/problem task @uid-z <img src=x onerror=alert(3)> call <@U123>")
    chat.state = replace(chat.state, perspectives={"uid-y": HOSTILE_DISCIPLINE})
    return chat


def test_what_people_wrote_is_shown_as_literal_text_never_as_markup(script: Script) -> None:
    chat = hostile_session(script)
    rendered = render_page(chat.state, script, chat.now)
    document = rendered.html
    assert "<script" not in document.lower() and "<img" not in document.lower()
    assert "javascript:" not in re.sub(r">[^<]*<", "><", document)  # only ever inside text, never an attribute
    assert not [href for href in re.findall(r'href="([^"]*)"', document) if not href.startswith("#")]
    page = read(document)
    text = page.text
    for literal in (*HOSTILE_NAMES.values(), HOSTILE_ANSWER, HOSTILE_DISCIPLINE, "<@U123>", "<!channel>",
                    '"><img src=x onerror=alert(1)> **our** problem <script>x</script>',
                    "<script>alert(2)</script> [y](javascript:alert(1))", "<img src=x onerror=alert(3)> call <@U123>"):
        assert literal in text, literal
    assert page.one("h1").text == '<!channel> "><img src=x onerror=alert(1)>'
    assert page.by_id("statement").one("blockquote").text == chat.state.statement.text  # type: ignore[union-attr]
    assert {node.tag for node in page.walk()} <= {
        "#document", "html", "head", "meta", "title", "style", "body", "header", "nav", "main", "section", "footer",
        "h1", "h2", "h3", "h4", "p", "ul", "li", "a", "span", "div", "blockquote", "article", "ins", "del", "svg",
        "g", "text", "tspan", "rect", "table", "caption", "thead", "tbody", "tr", "th", "td", "abbr", "dl", "dt",
        "dd"}
    shown = answers(page)["1. What is the problem?"]
    assert shown[HOSTILE_DISCIPLINE[:1].upper() + HOSTILE_DISCIPLINE[1:]] == [HOSTILE_ANSWER]
    assert shown["**Zed** <@U123>"] == ["Shelters see <b>young people</b> [late](https://evil.example) every winter."]
    assert "<b>" not in document and "&lt;b&gt;young people&lt;/b&gt;" in document


@pytest.mark.parametrize("session", [english_session, dutch_session, hostile_session])
def test_no_user_id_appears_only_display_names(script: Script, session: Callable[[Script], Team]) -> None:
    chat = session(script)
    document = render_page(chat.state, script, chat.now + timedelta(days=1)).html
    assert "uid-" not in document
    for name in chat.names.values():
        assert name in read(document).text


def test_the_document_is_a_self_contained_html5_page(english: tuple[Team, Page]) -> None:
    document = english[1].html
    assert document.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    page = read(document)
    metas = page.one("head").all("meta")
    assert {"charset": "utf-8"} in [meta.attrs for meta in metas]
    named = {meta.attrs.get("name"): meta.attrs.get("content") for meta in metas}
    assert named["robots"] == "noindex, nofollow"
    assert named["viewport"] == "width=device-width, initial-scale=1"
    assert page.one("head").one("title").text == "young people and debts: problem analysis"
    assert not re.search(r"\sstyle\s*=", document)  # a hash-based CSP blocks style attributes
    assert len(page.all("style")) == 1 and not page.all("script") and not page.all("link")
    assert not re.search(r"\s(src|srcset|action|formaction)\s*=", document)
    for external in ("https://", "http://", "//fonts", "@import", "url("):
        assert external not in document.replace('xmlns="http://www.w3.org/2000/svg"', ""), external


def test_the_content_security_policy_allows_exactly_the_pages_style(english: tuple[Team, Page]) -> None:
    rendered = english[1]
    styles = re.findall(r"<style>(.*?)</style>", rendered.html, flags=re.DOTALL)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode("utf-8")).digest()).decode("ascii")
    assert rendered.content_security_policy == (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'")
    meta = [m for m in read(rendered.html).all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert meta[0].attrs["content"] == rendered.content_security_policy.removesuffix("; frame-ancestors 'none'")


def test_the_page_is_pure_the_same_state_and_moment_give_the_same_page(english: tuple[Team, Page],
                                                                       script: Script) -> None:
    chat, rendered = english
    assert render_page(chat.state, script, chat.now) == rendered
    later = render_page(chat.state, script, chat.now + timedelta(hours=2))
    assert later.html != rendered.html and later.content_security_policy == rendered.content_security_policy


def test_every_page_text_is_used_and_named_page_(script: Script) -> None:
    source = PAGE_MODULE.read_text(encoding="utf-8")
    for language in ("en", "nl"):
        keys = yaml.safe_load((DEFAULT_PROMPTS_DIR / "page" / f"{language}.yaml").read_text(encoding="utf-8"))["texts"]
        assert all(key.startswith("page_") for key in keys)
        unused = [key for key in keys if f'"{key}"' not in source and f"'{key}'" not in source]
        assert not unused, unused
    assert script.text("nl", "page_parked") == "Parkeerplaats"
