"""What people look at rather than read: the statement card and the session page's link.

The card is a picture of the agreed statement for the channel (and whoever it is forwarded
to); the page is the whole session for people who were not there. The core says what they
hold and who may have them; the shell draws the card, mints the link and serves the page.
"""

from __future__ import annotations

from bot.core import draft_writer, perspectives
from bot.core.card import StatementCard
from bot.core.context import Turn
from bot.core.dates import calendar
from bot.core.model import ChannelState, Choice, Outcome, Phase, PostCard, PrivateNote, RevokePages, SharePage
from bot.core.schedule import zone
from bot.core.script import Script


def card(turn: Turn, args: str) -> None:
    """``/problem card``: the card of the agreed statement, posted again."""
    if turn.state.statement is None or turn.state.phase is not Phase.AGREED:
        turn.tell("card_none")
        return
    post_card(turn)


def post_card(turn: Turn) -> None:
    state = turn.state
    drawn = statement_card(state, turn.script)
    text = turn.t("card_text", statement=drawn.statement, version=drawn.version_line,
                  agreement=drawn.agreement_line)
    turn.emit(PostCard(card=drawn, text=text))


def statement_card(state: ChannelState, script: Script) -> StatementCard:
    """The card's lines, in the channel's language: the statement, its version and date, how
    many agreed and from which disciplines, and the concerns on record."""
    statement = state.statement
    assert statement is not None, "a card is drawn of an agreed statement"
    language = state.language

    def t(key: str, **params: object) -> str:
        return script.text(language, key, **params)

    deciding = next((r for r in reversed(state.rounds)
                     if r.outcome is Outcome.AGREED and r.version == statement.version), None)
    votes = deciding.votes if deciding is not None else ()
    known = perspectives.disciplines(state, script)
    agreed = [v.user for v in votes if v.choice is Choice.AGREE]
    fields = list(dict.fromkeys(known[u] for u in agreed if u in known))

    def who(user: str) -> str:
        name = state.participants.get(user, user)
        return f"{name} ({known[user]})" if user in known else name

    day = calendar(script, language).day(statement.agreed_at.astimezone(zone(state.timezone)).date())
    return StatementCard(
        title=t("card_title"),
        topic=state.topic,
        statement=draft_writer.quoted(statement.text, script, language),
        version_line=t("card_version", version=statement.version, date=day),
        agreement_line=t("card_agreed_by" if fields else "card_agreed_count", agrees=len(agreed),
                         total=len(state.participants), disciplines=", ".join(fields)),
        concerns_title=t("card_concerns"),
        concerns=tuple(t("concern_line", user=who(v.user), reason=v.reason)
                       for v in votes if v.choice is Choice.CONCERN),
        footer=t("card_footer"),
        version=statement.version,
    )


def page(turn: Turn, args: str) -> None:
    """``/problem page``: a private link to the session page; ``/problem page revoke`` ends the
    sender's links (the facilitator's: everyone's)."""
    choice = turn.script.means("page", args.strip()) if args.strip() else "share"
    state = turn.state
    if choice == "revoke":
        everyone = turn.is_facilitator
        turn.emit(RevokePages(user=None if everyone else turn.sender.id))
        turn.tell("page_revoked_all" if everyone else "page_revoked_yours")
        return
    if choice != "share":
        turn.tell("page_usage")
        return
    if state.phase is Phase.IDLE:
        turn.tell("page_nothing")
        return
    if not turn.policy.page_url:
        turn.tell("page_not_served", channel=state.channel)
        return
    until = turn.now + turn.policy.page_lifetime
    sender = turn.sender
    when = calendar(turn.script, state.language).moment(until, state.timezone)
    turn.emit(SharePage(user=sender.id, name=sender.name, until=until, base_url=turn.policy.page_url,
                        text=turn.t("page_link", link="{link}", until=when),
                        fallback=turn.t("page_private_failed", name=sender.name),
                        message_id=getattr(turn.event, "message_id", None)))


def link_note(share: SharePage, link: str) -> PrivateNote:
    """The note that carries a minted link (the shell calls this with the URL it made)."""
    return PrivateNote(user=share.user, name=share.name, text=share.text.replace("{link}", link),
                       fallback=share.fallback, message_id=share.message_id)
