"""Speaker resolution: one :class:`Speaker` per person, whatever mix of labels and mentions names them.

``SURNAME:`` labels join the person introduced with ``FIRST LAST, BYLINE:`` or in the text
("NPR's Corey Flintoff"); the host of an unlabelled intro is inferred from a ``, HOST:`` label, the
first surname-only label that is not a reporter's, and how others address them ("Good morning, Renee.").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from aligner.models import Speaker
from aligner.transcripts.labels import _TITLES, Label, parse_label, proper, slug

_STOP = frozenset(
    w.lower()
    for w in (
        "And But So The This That These Those With From In On At For To Of By Joining Thanks Thank Well "
        "Now Here There Today Yesterday Tomorrow Tonight Meanwhile Reporter Correspondent Host Says Said "
        "I I'm I've We You He She It They Our My His Her Their As If When While After Before Also Yes No "
        "OK Hi Hello Good Morning Evening Afternoon Monday Tuesday Wednesday Thursday Friday Saturday "
        "Sunday January February March April May June July August September October November December "
        "Let's Let Let’s Everyone Everybody Anyway Sure Right Absolutely Listen Look Dear Welcome God Oh"
    ).split()
) | {t.lower().rstrip(".") for t in _TITLES}
_INTERJECTION = (
    r"(?:Well|And|So|Now|OK|Okay|Yes|Yeah|No|Oh|Hi|Hello|Hey|Good (?:morning|afternoon|evening|night)"
    r"|Morning|Thanks|Thank you|Thanks so much|Thank you so much|Thank you very much|You're welcome"
    r"|You’re welcome|Sure|Right|Absolutely|Exactly|Indeed|Look|Listen|Great|Pleasure|My pleasure"
    r"|Of course|Certainly|Alright|All right|Good to be with you|Glad to be here|Happy to be here)"
)
_VOCATIVE = re.compile(
    rf"(?:^|(?<=[.!?])\s+|\n){_INTERJECTION}(?:,?\s+(?:you know|I mean|well|and|so|though|too|again))*"
    r",\s+([A-Z][a-z'’-]+)(?=\s*[,.!?])"
)
_NAME_WORD = re.compile(r"[A-Z][a-zà-ÿ'’-]+|[A-Z]\.|Mc[A-Z][a-z]+|[A-Z][a-z]+[A-Z][a-z]+")


@dataclass(frozen=True, slots=True)
class Resolution:
    """The speakers, the speaker id of each printed label, and the host of an unlabelled intro."""

    speakers: tuple[Speaker, ...]
    by_label: dict[str, str]
    host: str | None


@dataclass
class _Person:
    id: str
    surname: str
    group: bool
    first: list[str] = field(default_factory=list)
    role: str | None = None
    reporter: bool = False
    surname_first: bool = False  # first seen as a surname-only label
    labels: Counter[str] = field(default_factory=Counter)
    turns: int = 0
    archival: int = 0


def key(raw: str) -> str:
    """The normalised form of a printed label, used as a dictionary key."""
    return " ".join(raw.replace("’", "'").split()).upper()


def resolve(turns: Sequence[tuple[str | None, str, bool]], *, infer_host: bool) -> Resolution:
    """Resolve speakers from ``(label or None, text, after an archival cue)`` turns, in order."""
    labels: dict[str, Label] = {}
    for raw, _, _ in turns:
        if raw is not None and key(raw) not in labels:
            labels[key(raw)] = parse_label(" ".join(raw.split()))
    people: dict[str, _Person] = {}
    by_label: dict[str, str] = {}
    for k, lab in labels.items():  # full names first, so a surname label seen earlier still joins them
        if lab.full:
            by_label[k] = _full_person(people, lab).id
    for k, lab in labels.items():
        if k not in by_label:
            by_label[k] = _short_person(people, lab).id
    for raw, _, archival in turns:
        if raw is not None:
            person = people[by_label[key(raw)]]
            person.labels[" ".join(raw.split())] += 1
            person.turns += 1
            person.archival += archival
    text = "\n".join(t for _, t, _ in turns)
    for person in people.values():
        if not person.group:
            _find_mention(person, text)
            if person.reporter and person.role is None:
                person.role = "byline"
    host = _host(people, infer_host)
    if host is not None and not host.first:
        spoken_by_others = [t for raw, t, _ in turns if raw is not None and by_label[key(raw)] != host.id]
        host.first = _addressed_name(spoken_by_others, people)
    for person in people.values():
        if person.role is None and person.turns and person.archival == person.turns:
            person.role = "archival"
    speakers = tuple(_speaker(p) for p in people.values())
    return Resolution(speakers=speakers, by_label=by_label, host=host.id if host else None)


def _full_person(people: dict[str, _Person], lab: Label) -> _Person:
    first = [proper(w) for w in lab.words[: len(lab.words) - len(lab.surname.split())]]
    pid = slug(lab.surname)
    if pid in people and people[pid].first and people[pid].first != first:
        pid = slug(" ".join(lab.words))
    person = people.setdefault(pid, _Person(id=pid, surname=lab.surname, group=False))
    person.first = person.first or first
    person.role = person.role or lab.role
    return person


def _short_person(people: dict[str, _Person], lab: Label) -> _Person:
    pid = slug(lab.surname)
    if pid not in people:
        people[pid] = _Person(id=pid, surname=lab.surname, group=lab.group, surname_first=not lab.group)
    person = people[pid]
    person.role = person.role or lab.role
    return person


def _find_mention(person: _Person, text: str) -> None:
    """Take a first name and the printed case of the surname from a mention like "NPR's Corey Flintoff"."""
    pattern = re.compile(r"((?:[A-Z][\w'’.-]*\s+){1,3})((?i:" + re.escape(person.surname) + r"))(?![\w'’-])")
    found: Counter[tuple[str, ...]] = Counter()
    surname_case = None
    for m in pattern.finditer(text):
        words = m.group(1).split()
        name: list[str] = []
        while words and _NAME_WORD.fullmatch(words[-1]) and words[-1].lower().rstrip(".") not in _STOP:
            name.insert(0, words.pop())
        before = text[max(0, m.start() - 40) : m.start()] + " ".join(words)
        reporter = bool(re.search(r"['’]s$|reporter|correspondent|NPR['’]s", before.rstrip()))
        if not reporter:
            name = name[-1:]
        if name:
            found[tuple(name)] += 1
            person.reporter = person.reporter or reporter
            surname_case = surname_case or m.group(2)
    if found and not person.first:
        person.first = list(found.most_common(1)[0][0])
    if surname_case and surname_case.upper() == person.surname.upper() and not surname_case.isupper():
        person.surname = surname_case


def _host(people: dict[str, _Person], infer: bool) -> _Person | None:
    host = next((p for p in people.values() if p.role == "host"), None)
    if host is None and infer:
        host = next(
            (p for p in people.values() if p.surname_first and p.role is None and not p.reporter and p.turns),
            None,
        )
        if host is not None:
            host.role = "host"
    return host


def _addressed_name(texts: Sequence[str], people: dict[str, _Person]) -> list[str]:
    """The first name others use to address the host: "Good morning, Renee." -> ``["Renee"]``."""
    known = {w.lower() for p in people.values() for w in (*p.first, *p.surname.split())}
    votes: Counter[str] = Counter()
    for text in texts:
        for m in _VOCATIVE.finditer(text):
            name = m.group(1)
            if name.lower() not in known and name.lower() not in _STOP:
                votes[name] += 1
    return [votes.most_common(1)[0][0]] if votes else []


def _speaker(p: _Person) -> Speaker:
    label = min(p.labels, key=lambda k: (-p.labels[k], "," in k, len(k))) if p.labels else p.surname
    label = label.split(",")[0].strip()  # "TOBIAS WREN, BYLINE" -> "TOBIAS WREN"
    surname = " ".join(proper(w) for w in p.surname.split())
    name = " ".join([*p.first, surname]) if p.first and not p.group else None
    return Speaker(id=p.id, label=label, name=name, role=p.role)
