"""Speaker labels: recognise ``FIRST LAST, BYLINE:``, ``SURNAME:`` or ``Alice:`` and take them apart."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ROLES = {
    "HOST": "host",
    "ANCHOR": "host",
    "CO-HOST": "host",
    "BYLINE": "byline",
    "REPORTER": "byline",
    "CORRESPONDENT": "byline",
    "GUEST": "guest",
}
_TITLES = frozenset(
    "PRESIDENT VICE PRIME MINISTER FOREIGN SECRETARY SENATOR SEN. REPRESENTATIVE REP. CONGRESSMAN "
    "CONGRESSWOMAN GOVERNOR GOV. MAYOR GENERAL GEN. ADMIRAL COLONEL COL. CAPTAIN CAPT. LIEUTENANT "
    "SERGEANT SGT. DR. DOCTOR PROFESSOR PROF. REVEREND REV. FATHER POPE KING QUEEN PRINCE PRINCESS "
    "JUDGE JUSTICE CHIEF CHANCELLOR AMBASSADOR MR. MRS. MS. MISS SIR DAME LORD LADY FIRST SHEIKH "
    "RABBI IMAM BISHOP CARDINAL DEPUTY ATTORNEY SPEAKER LEADER MAJORITY MINORITY STATE DEFENSE "
    "SECRETARY-GENERAL".split()
)
_SUFFIXES = frozenset("JR. JR SR. SR II III IV PHD PH.D. MD M.D.".split())
_PARTICLES = frozenset("DE DEL DELLA DA DI DU DOS DAS VAN VON DER DEN LA LE BIN BEN AL EL ST. ST TEN TER".split())
_GROUPS = frozenset(
    "UNIDENTIFIED UNKNOWN CROWD GROUP AUDIENCE CHORUS CHILDREN PROTESTERS PROTESTER CROWDS "
    "ANNOUNCER NARRATOR SPEAKER VOICE".split()
)
_NOT_LABELS = frozenset(
    "note update editor's note editors note correction source credit photo caption warning disclaimer "
    "transcript summary subject re ps p.s http https tags related copyright by date time location "
    "when where why what who how and but so then also however ok yes no well".split()
)
_NPR_LABEL = re.compile(r"([^\W\d_][^:\n]{0,78}?):(?:\s+|$)")
_SCRIPT_LABEL = re.compile(
    r"([^\W\d_][\w .'’#&-]{0,40}?)(?:\s*[\[(](\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?)[\])])?:(?:\s+|$)"
)
_TIMESTAMP = re.compile(r"[\[(]?(\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?)[\])]?\s+")
_LABEL_ALONE = re.compile(r"([^\W\d_][\w .'’#&-]{0,40}?)\s+[\[(]?(\d{1,2}(?::\d{2}){1,2})[\])]?")


@dataclass(frozen=True, slots=True)
class Label:
    """A speaker label as printed, taken apart."""

    raw: str  # "COREY FLINTOFF, BYLINE"
    words: tuple[str, ...]  # the name without titles: ("COREY", "FLINTOFF")
    surname: str  # "FLINTOFF"
    role: str | None  # "byline", "host", "guest" or None
    group: bool  # an unidentified or collective voice: "UNIDENTIFIED MAN #1"

    @property
    def full(self) -> bool:
        """True when the label names more than a surname."""
        return len(self.words) > len(self.surname.split()) and not self.group


def slug(text: str) -> str:
    """``"GARCIA-NAVARRO"`` -> ``"garcia-navarro"``, ``"NÚÑEZ"`` -> ``"nunez"``, ``"O'CONNOR"`` -> ``"oconnor"``."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_ = re.sub(r"['’.]", "", ascii_.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-") or "speaker"


def proper(word: str) -> str:
    """Print an upper-case name part in name case: ``O'CONNOR`` -> ``O'Connor``, ``MCCAMMON`` -> ``McCammon``."""
    if not word.isupper():
        return word
    out = re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word.lower())
    if re.match(r"Mc[a-z]{2}", out):
        out = "Mc" + out[2:].capitalize()
    return out


def _valid_words(words: list[str]) -> bool:
    return 0 < len(words) <= 7 and all(re.fullmatch(r"[^\W_][\w.'’#-]*|#\d+|&", w) for w in words)


def parse_label(raw: str) -> Label:
    """Take a printed label apart (it has been recognised already)."""
    name, _, role_text = raw.partition(",")
    role = _ROLES.get(role_text.strip().upper()) if role_text else None
    words = name.split()
    upper = [w.upper() for w in words]
    if upper and upper[0] in _ROLES and len(words) == 1:
        role = role or _ROLES[upper[0]]
    group = bool(upper) and (upper[0] in _GROUPS or bool(re.search(r"\d", name)))
    if group:
        return Label(raw=raw, words=tuple(words), surname=name.strip(), role=role, group=True)
    while len(upper) > 1 and upper[0] in _TITLES:
        words, upper = words[1:], upper[1:]
    core = list(words)
    while len(core) > 1 and core[-1].upper() in _SUFFIXES:
        core.pop()
    i = len(core) - 1
    while i > 1 and core[i - 1].upper() in _PARTICLES:
        i -= 1
    return Label(raw=raw, words=tuple(words), surname=" ".join(core[i:]), role=role, group=False)


def npr_label(line: str) -> tuple[str, str] | None:
    """``"BEARDSLEY: Well, ..."`` -> ``("BEARDSLEY", "Well, ...")`` for an upper-case label, else ``None``."""
    m = _NPR_LABEL.match(line)
    if m is None:
        return None
    raw = m.group(1).strip()
    name, _, role = raw.partition(",")
    letters = [c for c in raw if c.isalpha()]
    if len(letters) < 2 or not all(c.isupper() for c in letters) or "," in role:
        return None
    if role and not re.fullmatch(r"\s*[A-Z][A-Z -]{1,30}", role):
        return None
    if not _valid_words(name.split()) or raw.lower() in _NOT_LABELS:
        return None
    return raw, line[m.end() :].strip()


def script_label(line: str) -> tuple[str, str, float | None] | None:
    """``"[00:01:02] Alice Smith: Hi"`` -> ``("Alice Smith", "Hi", 62.0)`` for a mixed-case label, else ``None``.

    A name alone with a time (``"Alice Smith  0:03"``) is a label whose text follows on the next lines.
    """
    hint = None
    ts = _TIMESTAMP.match(line)
    if ts:
        hint, line = seconds(ts.group(1)), line[ts.end() :]
    m = _SCRIPT_LABEL.match(line)
    if m is None:
        alone = _LABEL_ALONE.fullmatch(line)
        if alone and _script_words(alone.group(1)) and hint is None:
            return alone.group(1).strip(), "", seconds(alone.group(2))
        return None
    raw = m.group(1).strip()
    if not _script_words(raw):
        return None
    if m.group(2):
        hint = seconds(m.group(2))
    return raw, line[m.end() :].strip(), hint


def _script_words(raw: str) -> bool:
    words = raw.split()
    if not 0 < len(words) <= 4 or raw.lower().rstrip(".") in _NOT_LABELS or not _valid_words(words):
        return False
    return all(w[0].isupper() or w[0].isdigit() or w[0] == "#" or w.upper() in _PARTICLES for w in words)


def seconds(stamp: str) -> float:
    """``"01:02:03.5"`` -> ``3723.5``."""
    total = 0.0
    for part in stamp.replace(",", ".").split(":"):
        total = total * 60 + float(part)
    return total
