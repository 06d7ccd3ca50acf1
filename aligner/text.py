"""Sentences and the text a TTS reads: split display text, and normalise it for speech.

Display text is never changed here; :func:`speech` returns a separate string in which inline cues
are removed and numbers, currency, years, percentages and acronyms are spelled as a reader says them.
"""

from __future__ import annotations

import functools
import re

from aligner.models import Sentence
from aligner.transcripts.numbers import cardinal, decade, digits, ordinal, roman, year

# Never the end of a sentence: titles and abbreviations always followed by more words.
_TITLES = frozenset(
    "mr mrs ms messrs mme mlle dr prof st sr jr gen sen sens rep reps gov lt col sgt capt cmdr adm "
    "rev fr pres supt det insp mt ft vs e.g i.e cf approx dept univ vol fig sec ave blvd".split()
)
# The end of a sentence only when a number does not follow: "No. 1", "Jan. 5".
_BEFORE_NUMBER = frozenset("no nos jan feb mar apr jun jul aug sep sept oct nov dec p pp art".split())
# Often the last word of a sentence: split only when a typical sentence opener follows.
_AMBIGUOUS = frozenset("etc inc co corp ltd bros a.m p.m u.s u.k u.n e.u d.c l.a".split())
_OPENERS = frozenset(
    "a an and as at but by for he her his however i if in it its many meanwhile my no now of on one "
    "our she so some still that the their then there these they this those to we what when where "
    "which while who why yes you".split()
)
_BOUNDARY = re.compile(r"(?:[.!?]+|…|\.\.\.)[\"”’'»)\]]*(?=\s+|$)")
_OPENING = "\"“‘'«([¿¡"


def split_sentences(text: str) -> list[str]:
    """Split display text into sentences; line breaks always end one.

    Survives titles (``Mr.``), initials, ``U.S.``, ``a.m.``, decimals, ellipses, quotes and dashes.
    """
    out: list[str] = []
    for para in text.split("\n"):
        start = 0
        for m in _BOUNDARY.finditer(para):
            rest = para[m.end() :].lstrip()
            if rest and not _ends_sentence(para[start : m.end()], m.group(0), rest):
                continue
            piece = para[start : m.end()].strip()
            if piece:
                out.append(piece)
            start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append(tail)
    return out


def _ends_sentence(before: str, punct: str, rest: str) -> bool:
    nxt = rest.lstrip(_OPENING)[:1]
    if not nxt or nxt.islower():
        return False
    if punct[0] in "!?…" or punct.startswith(".."):
        return True
    word = before[: -len(punct)].rsplit(None, 1)[-1].lstrip(_OPENING) if before[: -len(punct)].strip() else ""
    key = word.lower()
    if key in _TITLES:
        return False
    if key in _BEFORE_NUMBER:
        return not nxt.isdigit()
    if len(word) == 1 and word.isupper():  # an initial: "John F. Kennedy"
        return False
    if key in _AMBIGUOUS or re.fullmatch(r"(?:[a-z]\.)+[a-z]", key):
        following = re.match(r"[\w']+", rest.lstrip(_OPENING))
        return bool(following) and following.group(0).lower() in _OPENERS
    return True


def sentences(text: str) -> tuple[Sentence, ...]:
    """Split ``text`` into :class:`Sentence` objects; a piece with nothing to say joins a neighbour."""
    merged: list[list[str]] = []
    pending: list[str] = []
    for piece in split_sentences(text):
        if not _speakable(speech(piece)):
            if merged:
                merged[-1].append(piece)
            else:
                pending.append(piece)
            continue
        merged.append([*pending, piece])
        pending = []
    if pending:
        merged.append(pending)
    return tuple(Sentence(text=" ".join(p), speech=speech(" ".join(p))) for p in merged)


def _speakable(s: str) -> bool:
    return any(c.isalnum() for c in s)


# --- speech -------------------------------------------------------------------------------------

_EDITORIAL = (
    "through interpreter",
    "through translator",
    "speaking",
    "foreign language",
    "inaudible",
    "unintelligible",
    "laugh",
    "crosstalk",
    "soundbite",
    "sound of",
    "music",
    "applause",
    "as ",
    "reading",
    "singing",
    "sigh",
    "chuckl",
    "cough",
    "background",
    "non-english",
    "in ",
    "ph",
    "sic",
)
_PAREN = re.compile(r"\(([^()\n]{0,300})\)")
_BRACKET = re.compile(r"\[[^\[\]\n]{0,300}\]")
_WORDS = {
    "Mr.": "Mister",
    "Mrs.": "Missus",
    "Ms.": "Miz",
    "Dr.": "Doctor",
    "Prof.": "Professor",
    "Sen.": "Senator",
    "Rep.": "Representative",
    "Gov.": "Governor",
    "Gen.": "General",
    "Lt.": "Lieutenant",
    "Col.": "Colonel",
    "Sgt.": "Sergeant",
    "Capt.": "Captain",
    "Rev.": "Reverend",
    "Jr.": "Junior",
    "Sr.": "Senior",
    "St.": "Saint",
    "Mt.": "Mount",
    "vs.": "versus",
    "etc.": "et cetera",
    "e.g.": "for example",
    "i.e.": "that is",
    "No.": "number",
}
_WORD_RE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in _WORDS) + r")(?=\s|$|,)")
_CURRENCY = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "¥": ("yen", "yen", "sen", "sen"),
}
_SCALE = r"(?:\s?(thousand|million|billion|trillion|[mbk]n?\b|[MBK]\b))?"
_SCALE_WORDS = {"k": "thousand", "m": "million", "mn": "million", "b": "billion", "bn": "billion"}
_MONEY = re.compile(r"([$€£¥])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?" + _SCALE)
_NUMBER = re.compile(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])")
# Spoken as words, not spelled out letter by letter.
_WORD_ACRONYMS = frozenset(
    "NATO NASA ISIS ISIL OPEC FEMA NAFTA UNESCO UNICEF COVID AIDS SWAT NASDAQ SARS MERS DACA OSHA "
    "FIFA UEFA ASEAN NORAD RADAR LASER SCUBA TASS MAGA NIMBY INTERPOL EURO AMBER STEM PAC SALT HAMAS "
    "CAT RAM PIN WASP GEICO HUD TARP NOAA".split()
)
_COMMON = frozenset(
    "A I AN AM AS AT BE BY DO GO HE IF IN IS IT ME MY NO OF ON OR SO TO UP US WE THE AND BUT FOR NOT "
    "YOU ALL ARE CAN HAS HAD HER HIM HIS HOW ITS NOW OUR OUT SHE WAS WHO WHY YES GET GOT LET NEW OLD "
    "ONE TWO SAY SEE WAY DAY MAN MEN BIG BAD".split()
)


# A Roman numeral after these is a count ("World War II", "Chapter IV"); after other names, a regnal
# ordinal ("Henry VIII" is "Henry the eighth").
_COUNTED = frozenset(
    "War Chapter Part Act Scene Volume Book Title Article Phase Section Sonnet Psalm Canto Bowl Vatican "
    "Apollo Class Type Stage Level Grade Round Season Episode Series Mark".split()
)
_AFTER_NAME = re.compile(r"\b([A-Z][a-z]+) ([IVXL]{2,}|V)\b(?!['’-])")
_HEADING = re.compile(r"^([IVXL]+)\s+(?=[A-Z])")


def _roman_after(m: re.Match[str]) -> str:
    name, n = m.group(1), roman(m.group(2))
    if n is None:
        return m.group(0)
    return f"{name} {cardinal(n)}" if name in _COUNTED else f"{name} the {ordinal(n)}"


def _roman_heading(m: re.Match[str]) -> str:
    n = roman(m.group(1))
    return f"{cardinal(n)}. " if n else m.group(0)


def _editorial(content: str) -> bool:
    letters = [c for c in content if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return True
    low = content.strip().lower()
    return low in ("ph", "sic", "?") or low.startswith(_EDITORIAL[:-2])


def strip_cues(text: str) -> str:
    """Remove inline stage cues, ``(Through interpreter)``, ``(ph)`` and bracketed notes."""
    text = _BRACKET.sub(" ", text)
    return _PAREN.sub(lambda m: " " if _editorial(m.group(1)) else m.group(0), text)


def _money(m: re.Match[str]) -> str:
    one, many, sub_one, sub_many = _CURRENCY[m.group(1)]
    whole = int(m.group(2).replace(",", ""))
    frac, scale = m.group(3), m.group(4)
    if scale:
        scale = _SCALE_WORDS.get(scale.lower(), scale.lower())
        amount = cardinal(whole) + (f" point {digits(frac)}" if frac else "")
        return f"{amount} {scale} {many}"
    words = f"{cardinal(whole)} {one if whole == 1 else many}"
    if frac:
        cents = int((frac + "0")[:2])
        if cents:
            words += f" and {cardinal(cents)} {sub_one if cents == 1 else sub_many}"
    return words


def _number(m: re.Match[str]) -> str:
    raw, frac = m.group(1), m.group(2)
    n = int(raw.replace(",", ""))
    if frac:
        return f"{cardinal(n)} point {digits(frac)}"
    if "," not in raw and len(raw) == 4 and 1100 <= n <= 2099:
        return year(n)
    if len(raw) > 1 and raw.startswith("0"):
        return digits(raw)
    return cardinal(n)


def _time(m: re.Match[str]) -> str:
    h, mins = int(m.group(1)), int(m.group(2))
    if mins == 0:
        return f"{cardinal(h)} o'clock" if not m.group(3) else cardinal(h)
    return f"{cardinal(h)} {'oh ' if mins < 10 else ''}{cardinal(mins)}"


def _acronym(m: re.Match[str], shouting: bool) -> str:
    word, plural = m.group(1), m.group(2)
    if word == "OK":
        return "okay"
    if word in _WORD_ACRONYMS or (shouting and word in _COMMON) or word in ("I", "A"):
        return word + plural
    if len(word) >= 5 and re.search(r"[AEIOUY]", word) and not re.search(r"[^AEIOUY]{3}", word):
        return word + plural
    if shouting and len(word) >= 4:
        return word + plural
    return " ".join(word) + plural


@functools.lru_cache(maxsize=4096)
def speech(text: str) -> str:
    """What the TTS reads for ``text``: cues removed, numbers and acronyms spelled as spoken (remembered: the
    confidence checks ask again for each turn's)."""
    s = strip_cues(text)
    s = s.translate(str.maketrans("‘’“”«»", '\'\'""""'))
    s = _WORD_RE.sub(lambda m: _WORDS[m.group(1)], s)
    s = re.sub(r"\b([aApP])\.\s?[mM]\.?(?=\W|$)", lambda m: f"{m.group(1).upper()} M", s)
    s = re.sub(r"\b((?:[A-Za-z]\.){2,})", lambda m: " ".join(m.group(1).replace(".", "").upper()) + " ", s)
    s = _MONEY.sub(_money, s)
    s = re.sub(r"(\d)\s?%", r"\1 percent", s)
    s = re.sub(r"\b(\d{1,2}):(\d{2})\b(\s?[AP] M)?", lambda m: _time(m) + (m.group(3) or ""), s)
    s = re.sub(r"\b(\d+)(?:st|nd|rd|th)\b", lambda m: ordinal(int(m.group(1))), s)
    s = re.sub(r"['’](\d0)s\b", lambda m: decade(int(m.group(1))), s)
    s = re.sub(r"\b(\d{0,2}\d0)['’]?s\b", lambda m: decade(int(m.group(1))), s)
    s = re.sub(r"(?<=\d)\s?[-–]\s?(?=\d)", " to ", s)
    s = re.sub(r"#\s?(?=\d)", "number ", s)
    s = re.sub(r"(?<=[A-Za-z])-?(?=\d)|(?<=\d)(?=[A-Za-z])", " ", s)
    s = _NUMBER.sub(_number, s)
    s = _HEADING.sub(_roman_heading, _AFTER_NAME.sub(_roman_after, s))
    letters = [c for c in s if c.isalpha()]
    shouting = len(letters) > 3 and sum(c.isupper() for c in letters) > 0.6 * len(letters)
    s = re.sub(r"\b([A-Z]{2,})(s?)\b", lambda m: _acronym(m, shouting), s)
    s = re.sub(r"\s*(?:--|[—–]|\s-\s)\s*", ", ", s)
    s = s.replace("&", " and ").replace("+", " plus ").replace("@", " at ").replace("/", " ")
    s = re.sub(r"\s+([,.!?;:])", r"\1", s)
    return re.sub(r"\s+", " ", s).strip(" ,")
