"""The cue patterns: what "who does what" talk looks like in English and Dutch.

Each cue has a family (claim, assign, owner_question, action_item, divide, deflect), a
score (how sure a match alone makes us: 0.9+ clear, 0.7–0.85 likely, 0.5 strict-only) and a
short label shown to the team when the guard holds a message. Both languages' cues run
on every message because code-switching is normal in these channels.

Text reaching these patterns is lowercased, apostrophes are straightened, and every
participant name or @mention has been replaced by the ``\\x01`` token (``<NAME>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.guard.lexicon import expand

CLAIM = "claim"
ASSIGN = "assign"
OWNER_QUESTION = "owner_question"
ACTION_ITEM = "action_item"
DIVIDE = "divide"
DEFLECT = "deflect"


@dataclass(frozen=True, slots=True)
class Cue:
    """One compiled pattern with its family, score and human-readable label."""

    family: str
    score: float
    label: str
    regex: re.Pattern[str]
    info: bool = False  # information gathering ("I'll look up the figures"): strict only
    gate: tuple[str, ...] = ()  # explicit substrings one of which must occur (else derived)


def _cue(family: str, score: float, label: str, pattern: str, gate: tuple[str, ...] = ()) -> Cue:
    return Cue(family, score, label, re.compile(expand(pattern)), gate=gate)


# Substrings of every organisation/team name in ORGS: the gate for the ORGS cues.
_ORG_GATE = (
    "team",
    "devops",
    "ops",
    "legal",
    "infra",
    "corporat",
    "landlord",
    "gp",
    "school",
    "police",
    "ggd",
    "municipal",
    "water",
    "grid",
    "energy",
    "shelter",
    "facilit",
    "night",
    "from",
    "devs",
    "gemeente",
    "verhuurder",
    "huisarts",
    "politie",
    "wijkagent",
    "netbeheerder",
    "opvang",
    "veilig",
    "jeugdzorg",
    "coöp",
    "coop",
    "nachtdienst",
    "juridisch",
)


def _info(family: str, label: str, pattern: str) -> Cue:
    return Cue(family, 0.5, label, re.compile(expand(pattern)), info=True)


_EN_SUBJ_FUT = (
    r"\b(?:i'll|ill|i will|i'm going to|im going to|i'm gonna|im gonna|i can|i could|let me|i'm happy to|"
    r"im happy to|i'd be happy to|happy to|i'm taking|im taking|i am taking)"
)
_EN_WE_FUT = r"\b(?:we'?ll|we will|our team will|we can|we'?re going to|our team can|my team will)"
_EN_YOU = (
    r"\b(?:you should|you need to|you must|you have to|you can|can you|could you|would you mind|"
    r"would you|will you|please|you'?re going to|you'?ll)"
)

EN_CUES: tuple[Cue, ...] = (
    # --- meta vocabulary (strongest) ---
    _cue(
        ACTION_ITEM, 0.95, "action items", r"\b(?:action items?|action points?)\b\s*(?:[:\-–]|for\b|from\b)"
    ),
    _cue(ACTION_ITEM, 0.95, "next steps:", r"\bnext steps?\s*(?:[:\-–]|is for\b|for\b)"),
    _cue(ACTION_ITEM, 0.95, "to-do:", r"\bto[- ]?dos?\b[^:]{0,25}:"),
    _cue(ACTION_ITEM, 0.9, "follow-ups:", r"\bfollow-?ups?\s*:"),
    _cue(ACTION_ITEM, 0.95, "AP:", r"\b(?:ap|ai) ?:"),
    _cue(ACTION_ITEM, 0.9, "owner …", r"\bowner\s*(?:=|:|for\b|<NAME>)"),
    _cue(
        ACTION_ITEM,
        0.8,
        "action items",
        r"\b(?:capture|list|write down|note)\b.{0,20}\baction (?:items|points)\b",
    ),
    _cue(ACTION_ITEM, 0.7, "action items", r"\baction (?:items|points)\b"),
    _cue(ACTION_ITEM, 0.9, "<name> ->", r"<NAME>\s*(?:->|→|=>)"),
    _cue(DIVIDE, 0.95, "who does what", r"\bwho (?:does|takes|picks up|handles|owns) what\b"),
    _cue(
        DIVIDE,
        0.95,
        "let's split the work",
        r"\b(?:let'?s|lets|shall we|should we|can we|we should|we need to|time to|maybe|how about we|"
        r"why don'?t we)\s+(?:\w+\s+){0,2}?(?:split|divide|divvy|carve|hand out|share out|assign|"
        r"distribute|allocate)\b(?!ed)",
    ),
    _cue(
        DIVIDE,
        0.9,
        "split the work",
        r"\b(?:split|divide|divvy)\s+(?:this|it|the work|the tasks|the \w+|up)\b"
        r".{0,30}?\b(?:up|between|among|"
        r"over)\b",
    ),
    _cue(DIVIDE, 0.9, "divide and conquer", r"\bdivide and conquer\b"),
    _cue(
        DIVIDE,
        0.9,
        "task division",
        r"\b(?:task ?division|task split|division of (?:labou?r|tasks|work)|"
        r"raci|dri\b|who'?s the dri)",
    ),
    _cue(
        DIVIDE,
        0.9,
        "assign owners",
        r"\bassign (?:owners?|tasks|roles|people|an owner|names|responsibilit\w+)\b",
    ),
    _cue(DIVIDE, 0.85, "point person for …", r"\b(?:point person|owner|lead) (?:for|per) (?:each|every)\b"),
    _cue(DIVIDE, 0.85, "put names on it", r"\b(?:put|add) (?:names|a name|owners) (?:on|to|next to)\b"),
    _cue(DIVIDE, 0.85, "task list with names", r"\btask ?list\b"),
    _cue(
        DIVIDE,
        0.85,
        "you take …, I take …",
        r"\byou (?:take|do|handle) [\w ]{1,25}, (?:i|we)(?:'ll)? (?:take|do|handle)\b",
    ),
    # --- owner questions ---
    _cue(OWNER_QUESTION, 0.9, "who is going to …?", r"\bwho(?:'s| is| are)? (?:going to|gonna)\b"),
    _cue(
        OWNER_QUESTION,
        0.9,
        "who will …?",
        r"\bwho(?:'ll| will| wants to| can| could| would like to| is willing to) <W2>(?:<EN_EXEC>)\b",
    ),
    _cue(
        OWNER_QUESTION,
        0.9,
        "who {v}?",
        r"\bwho(?:'s| is)? (?P<v>taking|handling|owning|picking up|doing|leading|calling|contacting|"
        r"coordinating|on)\b",
    ),
    _cue(
        OWNER_QUESTION,
        0.9,
        "who {v} …?",
        r"\bwho (?P<v>owns|takes|handles|leads|does|calls|contacts|picks up|coordinates|runs)\b(?! what)",
    ),
    _cue(
        OWNER_QUESTION,
        0.85,
        "who is responsible for …?",
        r"\bwho(?:'s| is| will be)? (?:responsible|accountable|the (?:owner|lead|point person))\b",
    ),
    _cue(
        OWNER_QUESTION,
        0.85,
        "can someone …?",
        r"\b(?:can|could|will|would) (?:someone|somebody|anyone|anybody) <W2>(?:<EN_EXEC>|volunteer)\b",
    ),
    _cue(
        OWNER_QUESTION,
        0.85,
        "anyone want to …?",
        r"\b(?:anyone|anybody|someone|somebody) (?:want(?:s)? to|willing to|volunteering|up for|free to)\b",
    ),
    _cue(
        OWNER_QUESTION,
        0.85,
        "volunteers?",
        r"\b(?:volunteers? for|any takers|any volunteers|who volunteers)\b",
    ),
    # --- deflecting responsibility ---
    _cue(
        DEFLECT,
        0.9,
        "not our job",
        r"\bnot (?:our|my|the team'?s|our team'?s) (?:job|problem|department|responsibility|remit|task|"
        r"call|area|business)\b",
    ),
    _cue(DEFLECT, 0.9, "not ours to …", r"\bnot ours\b|\boutside (?:our|my) (?:remit|scope|mandate)\b"),
    _cue(DEFLECT, 0.85, "that falls under …", r"\b(?:falls|belongs|sits) (?:under|with|to)\b"),
    _cue(
        DEFLECT,
        0.85,
        "that's for … to handle",
        r"\b(?:that'?s|that is|this is|it'?s) (?:for|on|up to) (?:<ORGS>|the \w+(?: \w+)?)\b.{0,20}?"
        r"(?:\bto\b|\bnot\b|,|$)",
    ),
    _cue(
        DEFLECT,
        0.85,
        "that's …'s job",
        r"\b(?:that'?s|that is|this is)(?: \w+)? (?:the )?[\w ]{2,25}'s? (?:job|problem|responsibility|"
        r"task|department|call)\b",
    ),
    _cue(DEFLECT, 0.85, "we don't do …", r"\bwe (?:don'?t|do not) do\b"),
    _cue(
        DEFLECT,
        0.85,
        "we're not responsible",
        r"\b(?:we're|were|we are|i'm|im|i am) not (?:responsible|accountable|the right)\b",
    ),
    _cue(DEFLECT, 0.8, "…, not us", r"(?<=, )not (?:us|me|on us|our \w+|the \w+ team)\b"),
    # --- claiming work ---
    _cue(CLAIM, 0.9, "I'll {v} …", _EN_SUBJ_FUT + r" <W2>(?P<v><EN_EXEC>)\b"),
    _cue(CLAIM, 0.75, "we'll {v} …", _EN_WE_FUT + r" <W2>(?P<v><EN_EXEC>)\b"),
    _cue(CLAIM, 0.9, "leave it with me", r"\bleave (?:it|that|this|them|[\w ]{1,30}?) (?:with|to) me\b"),
    _cue(CLAIM, 0.9, "I'm on it", r"\b(?:i'm|im|i am) on it\b|\bon it\b\s*$"),
    _cue(
        CLAIM,
        0.9,
        "I've got this",
        r"\b(?:i've|ive|i have|i) got (?:it|this|them|that)\b(?! (?:wrong|right))|\bconsider it done\b",
    ),
    _cue(
        CLAIM,
        0.9,
        "put me down for …",
        r"\b(?:put me down|sign me up|count me in|assign (?:it|this|that|the \w+) to me|put my name)\b",
    ),
    _cue(
        CLAIM,
        0.9,
        "I'll be the point person",
        r"\b(?:i'll|ill|i will|i can|let me) be the (?:point person|lead|owner|contact|coordinator)\b",
    ),
    _cue(CLAIM, 0.85, "mine", r"^(?:mine|me|dibs)\b\s*(?:!|$|,)"),
    _cue(CLAIM, 0.8, "I'm taking …", r"\b(?:i'm|im) (?:taking|handling|owning|picking up)\b"),
    # --- assigning others ---
    _cue(ASSIGN, 0.9, "<name>, you're on …", r"<NAME>,?\s+you'?re on\b|\byou'?re on <W2>(?:comms|it|the)\b"),
    _cue(
        ASSIGN,
        0.9,
        "<name>, you {v} …",
        r"<NAME>,?\s+(?:(?:you|can you|could you|would you|will you|please|pls|you two|you both)\s+)+<W2>"
        r"(?P<v><EN_EXEC>)\b",
    ),
    _cue(
        ASSIGN,
        0.9,
        "<name> will {v} …",
        r"<NAME>\s+(?:will|should|needs to|must|is going to|'ll|can|has to)\s+<W2>(?P<v><EN_EXEC>)\b",
    ),
    _cue(ASSIGN, 0.85, "<name> {v} …", r"<NAME>\s+(?:to\s+)?(?P<v><EN_3SG>|<EN_EXEC>)\b"),
    _cue(ASSIGN, 0.8, "you should {v} …", _EN_YOU + r" <W2>(?P<v><EN_EXEC>|<EN_ING>)\b"),
    _cue(
        ASSIGN,
        0.85,
        "… should handle",
        r"\b(?:<ORGS>)\s+(?:should|needs? to|must|has to|will|is going to|can)\s+<W2>(?P<v><EN_EXEC>)\b",
        _ORG_GATE,
    ),
    _cue(ASSIGN, 0.8, "… {v} …", r"\b(?:<ORGS>)\s+(?P<v><EN_3SG>)\b", _ORG_GATE),
    _cue(
        ASSIGN,
        0.8,
        "you take …",
        r"\byou (?:guys |two |both |all )?(?:take|do|handle|own|pick up|call|contact)\b",
    ),
    _cue(ASSIGN, 0.8, "I want … to {v}", r"\bi (?:want|need) [\w ]{1,25} to (?P<v><EN_EXEC>)\b"),
    _cue(ASSIGN, 0.85, "assign … to …", r"\bassign (?:the |this |these |those |it )[\w -]{0,30}to\b"),
    # --- information gathering (strict only) ---
    _info(CLAIM, "I'll look it up", _EN_SUBJ_FUT + r" <W2>(?:<EN_INFO>)\b"),
    _info(ASSIGN, "could you look up …", _EN_YOU + r" <W2>(?:<EN_INFO>)\b"),
    _info(
        OWNER_QUESTION,
        "can someone find out …?",
        r"\b(?:can|could) (?:someone|somebody|anyone) <W2>(?:<EN_INFO>)\b",
    ),
)

_NL_MODAL_1 = r"\b<I> (?:ga|zal|wil|kan|moet|mag)\b"
_NL_INV_MODAL = r"\b(?:ga|zal|wil|kan)\s+<I>\b"

NL_CUES: tuple[Cue, ...] = (
    # --- meta vocabulary ---
    _cue(ACTION_ITEM, 0.95, "actiepunt", r"\bactiepunt(?:en)?\b|\bactiehouders?\b"),
    _cue(
        ACTION_ITEM,
        0.95,
        "vervolgstappen:",
        r"\b(?:vervolgstap(?:pen)?|volgende stap(?:pen)?)\s*(?::|voor\b)",
    ),
    _cue(ACTION_ITEM, 0.8, "vervolgstappen", r"\bvervolgstappen\b"),
    _cue(ACTION_ITEM, 0.95, "actie voor …:", r"\bactie\b(?: voor [\w\x01]+)?\s*:"),
    _cue(ACTION_ITEM, 0.9, "eigenaar …", r"\beigenaar\s*(?::|\w+\s*:|(?:is )?<NAME>|devteam|team\b)"),
    _cue(DIVIDE, 0.95, "wie doet wat", r"\bwie (?:doet|pakt|neemt|wat)\b\s*(?:wat\b|doet\b|pakt\b|oppakt\b)"),
    _cue(
        DIVIDE,
        0.95,
        "taakverdeling",
        r"\b(?:taak|rol|werk)verdeling\b|\btaken(?:pakket)?(?: \w+)? (?:verdelen|toewijzen|"
        r"opsplitsen|uitdelen)\b|\bwerk (?:verdelen|opsplitsen|opdelen)\b|\braci\b",
    ),
    _cue(
        DIVIDE,
        0.95,
        "laten we verdelen",
        r"\b(?:laten|zullen|kunnen|moeten|gaan) we\b.{0,40}?\b(?:verdelen|opsplitsen|opdelen|toewijzen|"
        r"aanwijzen|uitdelen|kiezen)\b",
    ),
    _cue(
        DIVIDE,
        0.9,
        "tijd om te verdelen",
        r"\btijd (?:om|voor)\b.{0,25}\b(?:verdel\w*|taakverdeling|toewijzen)\b",
    ),
    _cue(
        DIVIDE,
        0.9,
        "trekker aanwijzen",
        r"\b(?:trekker|eigenaar|eigenaren|owner|owners|kartrekker)s? "
        r"(?:aanwijzen|kiezen|toewijzen|aan te wijzen)\b",
    ),
    _cue(DIVIDE, 0.85, "met namen erbij", r"\bmet (?:namen|eigenaren) (?:erbij|erachter|ervoor)\b"),
    _cue(DIVIDE, 0.85, "jij …, ik …", r"\bjij [\w ]{1,25}, ik \w+"),
    # --- owner questions ---
    _cue(OWNER_QUESTION, 0.9, "wie gaat …?", r"\bwie (?:gaat|zal|wil|kan|moet)\b(?! er (?:nu|eigenlijk))"),
    _cue(
        OWNER_QUESTION,
        0.9,
        "wie {v} …?",
        r"\bwie (?P<v>pakt|neemt|doet|belt|regelt|handelt|leidt|mailt|schrijft|zorgt|organiseert|"
        r"co[öo]rdineert|trekt|benadert)\b",
    ),
    _cue(
        OWNER_QUESTION,
        0.9,
        "wie wordt eigenaar?",
        r"\bwie (?:is|wordt|word)(?: er)? (?:de |het )?(?:eigenaar|owner|trekker|kartrekker|verantwoordelijk|"
        r"aanspreekpunt|contactpersoon|lead|regisseur|coördinator|coordinator)\b",
    ),
    _cue(
        OWNER_QUESTION,
        0.85,
        "kan iemand …?",
        r"\b(?:kan|wil|zou|gaat) iemand\b.{0,50}?\b(?:<NL_INF>)\b|\biemand die\b.{0,50}\b(?:<NL_INF>|wil)\b",
    ),
    _cue(OWNER_QUESTION, 0.85, "vrijwilligers?", r"\bvrijwilligers? voor\b|\bwie meldt zich\b"),
    # --- deflecting ---
    _cue(
        DEFLECT,
        0.9,
        "niet ons werk",
        r"\bniet (?:ons|mijn|onze|ons eigen) (?:werk|taak|probleem|afdeling|pakkie-?an|verantwoordelijkheid|"
        r"terrein|zaak|ding|bord)\b|\bniet (?:onze|mijn) (?:taak|afdeling|zaak|verantwoordelijkheid)\b",
    ),
    _cue(DEFLECT, 0.9, "dat valt onder …", r"\bvalt (?:onder|bij)\b"),
    _cue(DEFLECT, 0.9, "daar gaan wij niet over", r"\bdaar gaan (?:wij|we|ik) niet over\b"),
    _cue(DEFLECT, 0.85, "hoort bij …", r"\bhoort (?:bij|thuis bij)\b"),
    _cue(DEFLECT, 0.85, "dat ligt bij …", r"\b(?:dat|dit|het) ligt (?:bij|op het bord van)\b"),
    _cue(DEFLECT, 0.85, "niet voor ons", r"\bniet (?:voor|bij|van|aan) (?:ons|mij)\b|\bniet wij\b"),
    _cue(DEFLECT, 0.85, "doen wij niet", r"\bdoen (?:wij|we) niet\b"),
    _cue(
        DEFLECT,
        0.85,
        "dat is iets voor …",
        r"\b(?:dat|dit) is (?:echt |meer )?(?:iets voor|aan|voor) (?:de|het|team)\b",
    ),
    _cue(
        DEFLECT,
        0.85,
        "verantwoordelijkheid van …",
        r"\bverantwoordelijkheid van (?:de|het)\b|"
        r"\b(?:daar|hier) (?:is|zijn) (?:de|het) \w+ verantwoordelijk\b|"
        r"\b(?:daar|hier) zijn (?:wij|we) niet verantwoordelijk\b|\bhet werk van (?:de|het)\b",
    ),
    _cue(DEFLECT, 0.8, "moet … zelf oplossen", r"\bzelf (?:oplossen|regelen|doen|uitzoeken|fixen)\b"),
    # --- claiming (ik + verb, V2 inversion, separable verbs) ---
    _cue(
        CLAIM,
        0.9,
        "ik pak … op",
        r"\b<I> pak\b(?: <W12>)?\s*\bop\b|\b<I> pak (?:het|t|'t|m|'m|hem|dit|dat) op\b",
    ),
    _cue(CLAIM, 0.9, "… pak ik op", r"\bpak <I>\b(?: <W8>)?\s*\bop\b"),
    _cue(
        CLAIM,
        0.9,
        "ik neem … op me",
        r"\b(?:<I> neem|neem <I>)\b.{0,60}?"
        r"\b(?:op me|op mij|op mijn naam|voor mijn rekening|voor m'n rekening)\b",
    ),
    _cue(CLAIM, 0.9, "wij nemen … voor onze rekening", r"\bvoor (?:onze|ons) rekening\b"),
    _cue(CLAIM, 0.9, "ik neem contact op", r"\b(?:<I> neem|neem <I>)\b.{0,30}?\bcontact\b"),
    _cue(CLAIM, 0.9, "ik ga … {v}", _NL_MODAL_1 + r".{0,60}?\b(?P<v><NL_INF>)\b"),
    _cue(CLAIM, 0.9, "… ga ik {v}", _NL_INV_MODAL + r".{0,60}?\b(?P<v><NL_INF>)\b"),
    _cue(CLAIM, 0.9, "ik ga ermee aan de slag", r"\baan de slag\b"),
    _cue(
        CLAIM, 0.9, "laat dat maar aan mij over", r"\baan mij over\b|\bop mijn naam\b|\bzet (?:maar )?mij\b"
    ),
    _cue(CLAIM, 0.85, "ik zorg ervoor dat …", r"\b(?:<I> zorg|zorg <I>)\b(?! (?:me|mij) zorgen)"),
    _cue(
        CLAIM,
        0.9,
        "ik ben trekker",
        r"\b<I> (?:ben|word|wordt)(?: \w+)? (?:de |het )?(?:trekker|kartrekker|eigenaar|owner|aanspreekpunt|"
        r"contactpersoon|lead|co[öo]rdinator)\b",
    ),
    _cue(
        CLAIM,
        0.85,
        "ik {v} …",
        r"\b<I> (?P<v>bel|regel|doe|organiseer|mail|schrijf|fix|co[öo]rdineer|leid|"
        r"benader|stuur|neem|pak)\b",
    ),
    _cue(CLAIM, 0.85, "ik handel … af", r"\b(?:<I> handel|handel <I>)\b.{0,50}?\baf\b"),
    _cue(
        CLAIM,
        0.85,
        "… {v} ik",
        r"\b(?P<v>bel|regel|doe|neem|organiseer|mail|schrijf|fix|handel|stuur)\s+<I>\b",
    ),
    _cue(
        CLAIM,
        0.8,
        "wij {v} …",
        r"\b(?:wij|we|ons team)\s+(?:als \w+\s+)?(?:nemen|doen|pakken|regelen|bellen|"
        r"gaan .{0,40}?\b(?:<NL_INF>))\b",
    ),
    # --- assigning others ---
    _cue(
        ASSIGN,
        0.9,
        "jij moet …",
        r"\b(?:jij|je|jullie|u) (?:moet|moeten|gaat|gaan|mag|mogen|kunt|kan|kunnen)\b"
        r".{0,60}?\b(?:<NL_INF>)\b",
    ),
    _cue(
        ASSIGN,
        0.9,
        "kun jij … {v}?",
        r"\b(?:kun|kan|wil|zou|kunnen|willen|zouden|ga|gaan)\s+(?:jij|je|jullie|u)\b.{0,60}?\b(?P<v><NL_INF>)\b",
    ),
    _cue(
        ASSIGN,
        0.9,
        "{v} jij …?",
        r"\b(?P<v>pak|neem|doe|regel|bel|mail|schrijf|organiseer|fix|handel)\s+(?:jij|jullie)\b",
    ),
    _cue(
        ASSIGN,
        0.85,
        "jij doet …",
        r"\b(?:jij|jullie)\s+(?:\w+\s+)?(?:doet|doen|neemt|nemen|pakt|pakken|regelt|regelen|belt|bellen|hebt|"
        r"hebben [\w ]{0,20}dienst)\b",
    ),
    _cue(ASSIGN, 0.9, "<naam> {v} …", r"<NAME>\s+(?P<v><NL_3SG>|doen|nemen|pakken|regelen|bellen)\b"),
    _cue(ASSIGN, 0.9, "<naam>, jij …", r"<NAME>\s*,?\s*(?:jij|jullie)\b"),
    _cue(
        ASSIGN,
        0.85,
        "… moet dit oppakken",
        r"\b(?:<ORGS>)\s+(?:moet|gaat|zal|neemt|doet|pakt|regelt|belt|kan)\b"
        r".{0,50}?\b(?:<NL_INF>|op|de \w+)\b",
        _ORG_GATE,
    ),
    _cue(ASSIGN, 0.8, "laat … {v}", r"\blaat (?:de|het|team|die|dat)\b.{0,50}?\b(?P<v><NL_INF>)\b"),
    _cue(ASSIGN, 0.75, "graag … neerleggen", r"\b(?:neerleggen|beleggen|toewijzen|toebedelen)\b"),
    # --- information gathering (strict only) ---
    _info(CLAIM, "ik zoek het op", r"\b<I> (?:ga |zal |kan )?(?:<NL_INFO>)\b|\b(?:<NL_INFO>)\s+<I>\b"),
    _info(
        ASSIGN,
        "kun jij … opvragen?",
        r"\b(?:kun|kan|wil|zou)\s+(?:jij|je|jullie|iemand)\b.{0,60}?\b(?:<NL_INFO>)\b",
    ),
)
