"""Closed word lists shared by the cue and veto patterns.

Inflections are spelled out by hand (see the research notes): stemmers and lemmatizers
collapse the wrong forms for Dutch separable verbs, and a closed list is fast and
predictable. Patterns refer to these lists with ``<NAME>`` macros, expanded by
:func:`expand`.
"""

from __future__ import annotations

import re

# --- English execution verbs (doing the work, not finding things out) -------------------
EN_EXEC = (
    r"take care of|take over|take on|take|handle|own|pick (?:up|it up|this up|that up)|pick|follow up|"
    r"reach out|call|phone|ring|contact|e-?mail|mail|ping|chase(?: up)?|draft|write|set up|arrange|"
    r"organi[sz]e|coordinate|lead|do|fix|sort (?:out|it out|that out)|talk to|speak (?:to|with)|visit|"
    r"review|merge|deploy|update|prepare|schedule|plan|book|send|run|install|inspect|negotiate|invite|"
    r"approach|cover|deal with|manage|tackle|build|implement|refactor|clean up|get in touch|notify|"
    r"inform|host|deliver|submit|drive|own|chair|facilitate|escalate|liaise|repair"
)
EN_ING = (
    r"taking|handling|owning|picking|following|reaching|calling|phoning|contacting|e-?mailing|pinging|"
    r"chasing|drafting|writing|setting|arranging|organi[sz]ing|coordinating|leading|doing|fixing|"
    r"sorting|talking|speaking|visiting|reviewing|merging|deploying|updating|preparing|scheduling|"
    r"planning|booking|sending|running|installing|inspecting|negotiating|inviting|approaching|"
    r"covering|dealing|managing|tackling|building|implementing|refactoring|cleaning|chairing|repairing"
)
EN_3SG = (
    r"takes|handles|owns|picks|follows|reaches|calls|phones|contacts|e-?mails|pings|chases|drafts|"
    r"writes|sets|arranges|organi[sz]es|coordinates|leads|does|fixes|sorts|talks|speaks|visits|"
    r"reviews|merges|deploys|updates|prepares|schedules|plans|books|sends|runs|installs|inspects|"
    r"negotiates|invites|approaches|covers|deals|manages|tackles|builds|implements|refactors|cleans|"
    r"chairs|repairs"
)
# Finding things out: only trips in strict (a policy choice, see the notes).
EN_INFO = (
    r"look up|look into|look it up|find out|find|check|dig (?:up|into|them up|it up)|pull|ask for|"
    r"investigate|research|gather|collect|fetch|query|count|figure out|get the (?:numbers|figures|data)"
)

# --- Dutch --------------------------------------------------------------------------------
# Infinitives (after modals: "ik ga … bellen", "kun jij … regelen?").
NL_INF = (
    r"bellen|nabellen|terugbellen|opbellen|regelen|oppakken|doen|organiseren|afhandelen|co[öo]rdineren|"
    r"mailen|e-?mailen|schrijven|fixen|opschonen|opzetten|plannen|inplannen|leiden|trekken|benaderen|"
    r"aanpakken|oplossen|overnemen|uitvoeren|voorbereiden|afstemmen|terugkoppelen|bijwerken|reviewen|"
    r"deployen|mergen|installeren|repareren|aanvragen|sturen|versturen|bezoeken|langsgaan|praten|"
    r"spreken|onderhandelen|beheren|opvolgen|contacteren|informeren|uitnodigen|verzorgen|trainen|"
    r"begeleiden|neerleggen|beleggen|opnemen|nemen|pakken|opstellen|maken|bouwen|bijhouden|uitwerken"
)
# First/second-person present forms that start a main clause ("ik bel", "bel ik").
NL_1SG = (
    r"bel|regel|pak|neem|doe|organiseer|mail|schrijf|fix|handel|co[öo]rdineer|leid|trek|benader|"
    r"plan|stuur|zorg|check|los"
)
# Third-person forms ("Jan belt", "team B pakt").
NL_3SG = (
    r"belt|regelt|pakt|neemt|doet|organiseert|mailt|schrijft|fixt|handelt|co[öo]rdineert|leidt|"
    r"trekt|benadert|plant|stuurt|zorgt|werkt|gaat|zal|moet|kan|levert|nabelt|bezoekt|onderhandelt"
)
NL_INFO = (
    r"opzoeken|zoek|zoekt|uitzoeken|opvragen|vraag|vragen|duik|duiken|check|checken|nakijken|"
    r"haal|halen|vinden|uitzoekt|tellen|nagaan|ga na"
)

# Organisations and teams that work can be pushed to (roster of the usual suspects).
ORGS = (
    r"team \w+|the \w+ team|\w+[- ]?team|devops|ops|legal|infra|the corporation|the housing corp\w*|"
    r"the landlord|the gp|the school|the police|the ggd|ggd|the municipality|the water board|"
    r"the water company|the grid operator|the energy (?:coop|supplier|company)|the shelter|"
    r"facilities|the night shift|somebody from \w+|someone from \w+|the backend devs|the frontend devs|"
    r"\w*team|de ggd|de gemeente|de (?:woning)?corporatie|de verhuurder|de huisarts|de politie|"
    r"de wijkagent|het waterschap|de netbeheerder|de school|de opvang|veilig thuis|jeugdzorg|"
    r"de co[öo]peratie|de backend devs|de frontend devs|de nachtdienst|facilitair|juridische zaken"
)

DEADLINE = re.compile(
    r"\b(?:by|before|voor|vóór|uiterlijk) (?:mon|tues|wednes|thurs|fri|satur|sun)day\b|"
    r"\b(?:by|before|voor|vóór|uiterlijk) (?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)\b|"
    r"\b(?:eod|eow|asap|tomorrow|tmrw|morgen|vanmiddag|vandaag nog|this afternoon|deadline|"
    r"end of (?:the )?(?:day|week)|eind van de (?:dag|week))\b"
)

_MACROS = {
    "EN_EXEC": EN_EXEC,
    "EN_ING": EN_ING,
    "EN_3SG": EN_3SG,
    "EN_INFO": EN_INFO,
    "NL_INF": NL_INF,
    "NL_1SG": NL_1SG,
    "NL_3SG": NL_3SG,
    "NL_INFO": NL_INFO,
    "ORGS": ORGS,
    # a name from the channel roster or an @mention (replaced by this token up front)
    "NAME": r"\x01(?:(?:\s*,\s*|\s+and\s+|\s+en\s+|\s*&\s*)\x01)*",
    # up to n filler words (adverbs, objects): lazy so the nearest verb wins
    "W2": r"(?:[\w'’-]+\s+){0,2}?",
    "W4": r"(?:[\w'’-]+\s+){0,4}?",
    "W8": r"(?:[\w'’.-]+\s+){0,8}?",
    "W12": r"(?:[\w'’.,-]+\s+){0,12}?",
    "I": r"(?:i|ik|k)",
}
_MACRO = re.compile(r"<([A-Z0-9_]+)>")


def expand(pattern: str) -> str:
    """Replace ``<MACRO>`` references by their (non-capturing) alternations."""
    return _MACRO.sub(lambda m: f"(?:{_MACROS[m.group(1)]})", pattern)
