"""Score a sync map against a broadcast's truth: pure functions on plain dicts, no audio, no aeneas.

The sync map is ``SyncMap.to_dict()``. The truth is make_broadcast.py's ``truth.json`` shape: ``turns``
in transcript order, each with ``speech_start``/``speech_end`` and ``utterances`` (one per sentence);
a turn with ``"in_audio": false`` was never aired (its times are ``None``) and should come back flagged.
Errors are signed seconds, aligner minus truth: positive means late.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WRONG_S = 1.0  # a present turn whose start is further off than this is wrong and should be flagged
# Flags that say "this time may be wrong" (issue 4). Others, such as the parser's "intro" or "archival",
# describe the turn and are not counted as flagging it.
DOUBT_FLAGS = frozenset({"low_confidence", "rate_outlier", "not_in_audio", "overlaps_music", "not_aligned",
                         "voice_mismatch", "start_taken", "end_overrun"})
PREFIX_WORDS = 3  # words that identify a sentence when sentences and utterances don't pair up 1:1


@dataclass(frozen=True, slots=True)
class TurnPair:
    """A truth turn and the sync-map turn segment it was joined with (``None`` when none was found)."""

    truth: dict[str, Any]
    seg: dict[str, Any] | None

    @property
    def in_audio(self) -> bool:
        return self.truth.get("in_audio", True)

    @property
    def flagged(self) -> bool:
        return bool(self.seg and DOUBT_FLAGS.intersection(self.seg.get("flags", ())))

    @property
    def start_error(self) -> float | None:
        return _diff(self.seg and self.seg.get("start"), self.truth.get("speech_start"))

    @property
    def end_error(self) -> float | None:
        return _diff(self.seg and self.seg.get("end"), self.truth.get("speech_end"))

    @property
    def wrong(self) -> bool:
        """Aired-nowhere, unplaced, or placed more than WRONG_S from where it starts."""
        err = self.start_error
        return not self.in_audio or err is None or abs(err) > WRONG_S


@dataclass(frozen=True, slots=True)
class Stats:
    """Error figures of one list of signed errors (``None`` = the aligner gave no time)."""

    n: int
    missing: int
    median_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    within_100: float | None
    within_250: float | None
    within_1000: float | None
    mean_signed_ms: float | None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class FlagStats:
    """How well flags pick out wrong turns: recall on wrong or absent turns, false flags on right ones."""

    wrong: int
    wrong_flagged: int
    absent: int
    absent_flagged: int
    absent_not_in_audio: int
    absent_placed: int
    right: int
    right_flagged: int
    lines_cut: int = 0  # invented lines inside aired turns (truth "cut_lines")
    lines_cut_marked: int = 0  # ...whose sentence is marked not_in_audio
    lines_aired: int = 0  # sentences of aired turns that are not such lines
    lines_aired_marked: int = 0  # ...marked not_in_audio all the same

    @property
    def recall(self) -> float | None:
        return _share(self.wrong_flagged, self.wrong)

    @property
    def absent_recall(self) -> float | None:
        return _share(self.absent_flagged, self.absent)

    @property
    def false_flag_rate(self) -> float | None:
        return _share(self.right_flagged, self.right)

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__slots__}
        d.update(recall=self.recall, absent_recall=self.absent_recall, false_flag_rate=self.false_flag_rate)
        return d


@dataclass(frozen=True, slots=True)
class Score:
    """Everything the bench prints for one case (or for several cases pooled)."""

    truth_turns: int
    seg_turns: int
    matched: int
    speaker_mismatch: int
    starts: Stats
    ends: Stats
    sentences: Stats
    sentences_total: int
    flags: FlagStats
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "truth_turns": self.truth_turns,
            "seg_turns": self.seg_turns,
            "matched": self.matched,
            "speaker_mismatch": self.speaker_mismatch,
            "turn_start": self.starts.to_dict(),
            "turn_end": self.ends.to_dict(),
            "sentence_start": self.sentences.to_dict(),
            "sentences_total": self.sentences_total,
            "flags": self.flags.to_dict(),
            **self.extra,
        }


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else float(a) - float(b)


def _share(k: int, n: int) -> float | None:
    return None if n == 0 else k / n


def words(text: str) -> list[str]:
    """Lower-case word tokens, with curly apostrophes and punctuation ignored."""
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text.lower().replace("\u2019", "'"))


def slug(label: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (label or "").lower()).strip("-")


def turn_segments(syncmap: dict[str, Any]) -> list[dict[str, Any]]:
    """The sync map's turn segments in transcript order."""
    return [s for s in syncmap.get("segments", []) if s.get("kind") == "turn"]


def _starts_alike(a: str, b: str, n: int = PREFIX_WORDS) -> bool:
    wa, wb = words(a), words(b)
    k = min(n, len(wa), len(wb))
    return k > 0 and wa[:k] == wb[:k]


def match_turns(syncmap: dict[str, Any], truth: dict[str, Any]) -> list[TurnPair]:
    """Join truth turns to sync-map turns: by order when the counts agree, else by their first words.

    The bench's transcripts have one "SURNAME: text" paragraph per truth turn, so order is the join key;
    the text fallback keeps the figures honest if the parser ever splits or drops a turn.
    """
    segs = turn_segments(syncmap)
    turns = truth["turns"]
    if len(segs) == len(turns):
        return [TurnPair(t, s) for t, s in zip(turns, segs, strict=True)]
    pairs, k = [], 0
    for t in turns:
        found = (j for j in range(k, len(segs)) if _starts_alike(segs[j].get("text", ""), t["text"], 5))
        j = next(found, None)
        pairs.append(TurnPair(t, None if j is None else segs[j]))
        if j is not None:
            k = j + 1
    return pairs


def match_sentences(pair: TurnPair) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Pair each truth utterance of a turn with a sentence of its segment.

    1:1 by order when the turn has as many sentences as utterances; otherwise each utterance goes to
    the first unused sentence whose text begins with the same words (or to none).
    """
    utts = pair.truth.get("utterances", [])
    kids = _sentences(pair)
    if len(kids) == len(utts):
        return list(zip(utts, kids, strict=True))
    out, used = [], set()
    for u in utts:
        found = (j for j, c in enumerate(kids)
                 if j not in used and _starts_alike(c.get("text", ""), u["text"]))
        j = next(found, None)
        if j is not None:
            used.add(j)
        out.append((u, None if j is None else kids[j]))
    return out


def _pct(xs: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    s = sorted(xs)
    pos = (len(s) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def stats(errors: Iterable[float | None]) -> Stats:
    """Median, p95 and max of |error| in ms, shares within 100/250/1000 ms, mean signed error in ms.

    ``None`` (no time given) counts in ``n`` and ``missing`` and as outside every window.
    """
    errs = list(errors)
    got = [e for e in errs if e is not None]
    absd = [abs(e) * 1000 for e in got]
    n = len(errs)

    def within(ms: float) -> float | None:
        return _share(sum(1 for a in absd if a <= ms), n)

    return Stats(
        n=n,
        missing=n - len(got),
        median_ms=_pct(absd, 50) if absd else None,
        p95_ms=_pct(absd, 95) if absd else None,
        max_ms=max(absd) if absd else None,
        within_100=within(100),
        within_250=within(250),
        within_1000=within(1000),
        mean_signed_ms=sum(got) / len(got) * 1000 if got else None,
    )


def starts_by_truth(pairs: Sequence[TurnPair]) -> dict[str, Stats]:
    """Turn-start figures split by how the truth timed each turn's first clip (make_broadcast.py's
    ``speech_span_source``): ``label``, hand labels; ``energy``, the first 10 ms frame within 35 dB of the clip's
    loudest, which takes a click or the room noise before the first word for the start of speech."""
    groups: dict[str, list[float | None]] = {}
    for p in pairs:
        if p.in_audio and p.truth.get("utterances"):
            source = p.truth["utterances"][0].get("speech_span_source", "unknown")
            groups.setdefault(source, []).append(p.start_error)
    return {k: stats(v) for k, v in sorted(groups.items())}


def flag_stats(pairs: Sequence[TurnPair]) -> FlagStats:
    absent = [p for p in pairs if not p.in_audio]
    present = [p for p in pairs if p.in_audio]
    wrong = [p for p in pairs if p.wrong]
    right = [p for p in present if not p.wrong]

    def zero_length(p: TurnPair) -> bool:
        s = p.seg or {}
        return s.get("start") is None or s.get("end") is None or s["end"] - s["start"] <= 0.001

    cut = [c for p in present for c in _sentences(p) if _is_cut(p, c)]
    aired = [c for p in present for c in _sentences(p) if not _is_cut(p, c)]
    return FlagStats(
        wrong=len(wrong),
        wrong_flagged=sum(p.flagged for p in wrong),
        absent=len(absent),
        absent_flagged=sum(p.flagged for p in absent),
        absent_not_in_audio=sum("not_in_audio" in (p.seg or {}).get("flags", []) for p in absent),
        absent_placed=sum(not zero_length(p) for p in absent),
        right=len(right),
        right_flagged=sum(p.flagged for p in right),
        lines_cut=len(cut),
        lines_cut_marked=sum("not_in_audio" in c.get("flags", []) for c in cut),
        lines_aired=len(aired),
        lines_aired_marked=sum("not_in_audio" in c.get("flags", []) for c in aired),
    )


def _sentences(pair: TurnPair) -> list[dict[str, Any]]:
    return [c for c in (pair.seg or {}).get("children", []) if c.get("kind", "sentence") == "sentence"]


def _is_cut(pair: TurnPair, sentence: dict[str, Any]) -> bool:
    """Whether ``sentence`` is one of the invented lines the truth turn lists as never aired."""
    return any(_starts_alike(sentence.get("text", ""), line, 5) for line in pair.truth.get("cut_lines", ()))


def score_pairs(pairs: Sequence[TurnPair], seg_turns: int) -> Score:
    """Figures for already joined turns (several cases' pairs may be pooled)."""
    present = [p for p in pairs if p.in_audio]
    sent_errors: list[float | None] = []
    total = 0
    for p in present:
        for u, c in match_sentences(p):
            total += 1
            if c is not None:
                sent_errors.append(_diff(c.get("start"), u.get("speech_start")))
    return Score(
        truth_turns=len(pairs),
        seg_turns=seg_turns,
        matched=sum(p.seg is not None for p in pairs),
        speaker_mismatch=sum(
            1 for p in pairs if p.seg is not None and p.seg.get("speaker") and p.truth.get("speaker")
            and slug(p.seg["speaker"]) != slug(p.truth["speaker"])
        ),
        starts=stats(p.start_error for p in present),
        ends=stats(p.end_error for p in present),
        sentences=stats(sent_errors),
        sentences_total=total,
        flags=flag_stats(pairs),
    )


def score(syncmap: dict[str, Any], truth: dict[str, Any]) -> Score:
    """Score one sync map against its truth."""
    return score_pairs(match_turns(syncmap, truth), len(turn_segments(syncmap)))


def breaks(syncmap: dict[str, Any], truth: dict[str, Any]) -> dict[str, int]:
    """The truth's ``ads`` (speech the transcript does not have) and the sync map's ``untranscribed`` segments:
    how many ads one covers at least half of, and how many segments lie mostly outside every ad."""
    ads = [(a["start"], a["end"]) for a in truth.get("ads", ())]
    got = [(s["start"], s["end"]) for s in syncmap.get("segments", ()) if s.get("kind") == "untranscribed"]

    def covered(span: tuple[float, float], by: list[tuple[float, float]]) -> float:
        return sum(max(0.0, min(span[1], b) - max(span[0], a)) for a, b in by) / max(span[1] - span[0], 1e-9)

    return {"ads": len(ads), "found": sum(covered(ad, got) >= 0.5 for ad in ads),
            "false": sum(covered(seg, ads) < 0.5 for seg in got)}


def word_truth(utterance: dict[str, Any], data: Path) -> list[tuple[str, float]]:
    """``(word, start)`` of an utterance from its hand-labelled ``.wrd`` file (TIMIT), else ``[]``.

    A ``.wrd`` line is ``<first sample> <last sample> <word>`` at 16 kHz, from the clip's start.
    """
    wrd = (data / utterance.get("file", "")).with_suffix(".wrd")
    if not utterance.get("file") or not wrd.is_file():
        return []
    out = []
    for line in wrd.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            out.append((parts[2].lower(), utterance["clip_start"] + int(parts[0]) / 16_000))
    return out


def word_errors(pairs: Sequence[TurnPair], data: Path) -> list[float | None]:
    """Signed start errors of every labelled truth word, joined to the aligned words of its sentence.

    Words are joined by their text, in order (difflib), so a token the parser splits differently is
    left out rather than misjoined; a labelled word with no aligned word counts as missing.
    """
    errors: list[float | None] = []
    for p in pairs:
        if not p.in_audio:
            continue
        for u, sentence in match_sentences(p):
            truth = word_truth(u, data)
            if not truth:
                continue
            got = [c for c in (sentence or {}).get("children", []) if c.get("kind") == "word"]
            matcher = difflib.SequenceMatcher(a=[_key(w) for w, _ in truth], b=[_key(c.get("text", "")) for c in got],
                                              autojunk=False)
            joined = {a + k: b + k for a, b, n in matcher.get_matching_blocks() for k in range(n)}
            errors += [_diff(got[joined[i]].get("start"), t) if i in joined else None for i, (_, t) in enumerate(truth)]
    return errors


def _key(word: str) -> str:
    return (words(word) or [""])[0]


def truth_syncmap(truth: dict[str, Any]) -> dict[str, Any]:
    """A perfect sync map built from the truth itself: the bench's zero-error baseline."""
    segs = []
    for i, t in enumerate(truth["turns"], start=1):
        absent = not t.get("in_audio", True)
        kids = [{"id": f"t{i}.s{k}", "kind": "sentence", "text": u["text"], "start": u.get("speech_start"),
                 "end": u.get("speech_end")} for k, u in enumerate(t.get("utterances", []), start=1)]
        segs.append({"id": f"t{i}", "kind": "turn", "speaker": slug(t.get("speaker")), "text": t["text"],
                     "start": t.get("speech_start"), "end": t.get("speech_end"), "confidence": None,
                     "flags": ["not_in_audio"] if absent else [], "children": kids})
    return {"version": 1, "audio": {"duration": truth.get("duration_s")}, "speakers": [], "segments": segs}
