"""Whose voice each turn is in: a turn that sounds more like the speaker of a turn next to it than like its own
speaker's other turns was probably given that neighbour's words.

That is what a turn the broadcast never aired looks like once aligned: the aligner has to give its text some
audio, and it takes the start of the next turn (or the end of the one before), so it is spoken in a neighbour's
voice. Timing alone seldom shows it. Each speaker's voice here is a Gaussian over the MFCCs of the speech in
their timed turns (a channel and a voice: different microphones, phone lines and people part them well).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .engine import MFCC_STEP
from .models import Segment, Turn
from .speech import FRAME, SpeechProfile

# A speaker with less speech than this (4 s of MFCC frames) has no voice model (at 2 s, 3 more right turns were
# flagged on the dev turns bench), a turn with less than MIN_TURN (1 s) none of its own, and a turn with less
# than MIN_TEST is not judged.
MIN_FRAMES = 100
MIN_TURN = 25
MIN_TEST = 6
# A turn's first sounds may be the previous speaker's (heads) from MIN_HEAD frames (0.6 s) on; edges.trim moves the
# start only when the text agrees. At MIN_TURN (1 s), in 28 ad-hoc shows with a sentence left out of 5 turns each,
# three turns started 1.1-2.1 s early on the end of such a sentence, unflagged; they start right since, nothing
# else moved there, in 12 shows with two ads, or on the --long suites.
MIN_HEAD = 15
# A neighbour's voice must fit a turn better than its own speaker's by this much (mean log-likelihood per frame)
# to call it a mismatch. On the dev turns bench (bench/cut_lines.py --turns), 0.4 and 0.5 flagged the same turns;
# 0.3 caught 2 more invented turns and 2 more right ones.
MISMATCH = 0.4
# Nor are two voices told apart unless the halves of the neighbour's turns fit the rest of its voice better than
# the other voice by this much on average: eSpeak's en-us and en-gb+m3 part by -0.2 to 0.05, a woman's and a
# man's eSpeak voice by 1.7 or more. On the dev turns bench, 0.1 and 0.2 flagged the same turns, 0.3 2 fewer.
SEPARATE = 0.2
VARIANCE_FLOOR = 1e-3
HEAD_REACH = 10.0  # seconds from a turn's start within which its first sounds may be the previous speaker's


class Heard(NamedTuple):
    """What :func:`heard` finds, as turn ids."""

    mismatched: set[str]  # turns in the voice of the speaker of a turn next to them
    start_taken: set[str]  # turns whose speaker's voice the turn before them is in: it took their start


def heard(turns: Sequence[Segment], found: SpeechProfile, mfcc: np.ndarray, by: float = MISMATCH) -> Heard:
    """The timed ``turns`` (in order) whose speech fits the voice of the speaker of the timed turn before or after
    them better, by ``by``, than their own speaker's voice (when the two voices differ: SEPARATE); and, when it
    is the voice of the turn after (and not also of the one before), that turn.

    A label may be worn by several voices (the same surname in two stories of an hour, "UNIDENTIFIED MAN"), so
    the own voice is the better of the speaker's other turns pooled and each of them on its own.

    :param mfcc: the recording's MFCCs at MFCC_STEP (:func:`engine.mfcc`).
    """
    timed = [t for t in turns if t.start is not None and t.end is not None and t.end > t.start and _in_own_voice(t)]
    out = Heard(set(), set())
    if not timed:
        return out
    known = _Voices([t.speaker for t in timed], [(t.start, t.end) for t in timed], found, mfcc)
    for k, t in enumerate(timed):
        if known.stats[k].n < MIN_TEST:
            continue
        before, after = (timed[j].speaker if 0 <= j < len(timed) else None for j in (k - 1, k + 1))
        likest = known.closer(k, known.stats[k], (before, after), by)
        if likest is not None:
            out.mismatched.add(t.id)
            if likest == after != before:
                out.start_taken.add(timed[k + 1].id)
    return out


class SpeakerChanges:
    """The places where a timed turn ``j`` is followed by turn ``j + 1`` of another speaker (``times``: each turn's
    sentence times, ``None`` for one not aired; ``turns``: the turns they are of), with the voices of the timed turns
    in their own voice, summed up once for both questions asked there: :meth:`heads` and :meth:`next_voice`."""

    def __init__(self, times: Sequence[Sequence[tuple[float, float]] | None], turns: Sequence[Turn],
                 found: SpeechProfile, mfcc: np.ndarray) -> None:
        self.times, self.turns, self.found, self.mfcc = times, turns, found, mfcc
        speakers = [t.speaker for t in turns]
        timed = [k for k, t in enumerate(times) if t and None not in t and t[-1][1] > t[0][0]
                 and _in_own_voice(turns[k])]
        self.known = _Voices([speakers[k] for k in timed], [(times[k][0][0], times[k][-1][1]) for k in timed],
                             found, mfcc) if len(timed) >= 2 else None
        # turn j -> its index among the timed turns (turn j + 1's is the next)
        self.at = {j: m for m, (j, k) in enumerate(itertools.pairwise(timed))
                   if j == k - 1 and speakers[j] != speakers[k]}

    def heads(self) -> dict[int, list[float]]:
        """The turns whose first sounds are in the voice of the speaker of the turn just before: for each, the onsets
        after a pause (within HEAD_REACH s of its start, and MIN_TURN of its speech before its end) that the speech
        before them, from the turn's start, fits that voice better than its own (as in :func:`heard`, but by any
        margin: edges.trim moves a start only when the text agrees). That speech may be the previous speaker's last
        words: a sentence the transcript leaves out (the aligner gives it to the next turn) or the end of their
        turn."""
        out: dict[int, list[float]] = {}
        for j, m in self.at.items():
            k, n = j + 1, m + 1
            start, end = self.times[k][0][0], self.times[k][-1][1]
            taken = []
            for onset in self.found.onsets_after(start, end, HEAD_REACH):
                head = self._stats(start, onset)
                if (MIN_HEAD <= head.n <= self.known.stats[n].n - MIN_TURN
                        and self.known.closer(n, head, (self.turns[j].speaker,), by=0.0)):
                    taken.append(onset)
            if taken:
                out[k] = taken
        return out

    def next_voice(self, j: int, start: float, end: float) -> bool:
        """Whether the speech of turn ``j`` from ``start`` to ``end`` is in the voice of the speaker of turn ``j + 1``,
        a different one, better by MISMATCH than in its own speaker's (as in :func:`heard`): a last sound after a
        pause that is the next speaker's first word ("Three.") standing alone."""
        if j not in self.at:
            return False
        m, sound = self.at[j], self._stats(start, end)
        return (MIN_TEST <= sound.n <= self.known.stats[m].n - MIN_TURN
                and self.known.closer(m, sound, (self.turns[j + 1].speaker,)) is not None)

    def _stats(self, start: float, end: float) -> _Stats:
        return _Stats.of(self.mfcc[_speech_frames(self.found, start, end, len(self.mfcc))])


def _in_own_voice(turn: Segment | Turn) -> bool:
    """Whether a turn's voice tells of its speaker's: it has a speaker, and no interpreter speaks for them."""
    return bool(turn.speaker) and "through_interpreter" not in turn.flags


class _Voices:
    """The speakers' voices, from timed turns: each turn's speech frames summed up (and each half's), and each
    speaker's, all their turns' together."""

    def __init__(self, speakers: Sequence[str], spans: Sequence[tuple[float, float]], found: SpeechProfile,
                 mfcc: np.ndarray) -> None:
        frames = [mfcc[_speech_frames(found, a, b, len(mfcc))] for a, b in spans]
        count = len(frames)
        self.halves = _Stats.stack([_Stats.of(f[:len(f) // 2]) for f in frames]
                                   + [_Stats.of(f[len(f) // 2:]) for f in frames])
        self.stats = self.halves[:count] + self.halves[count:]  # each turn's
        self.names = list(speakers)
        self.said = {name: np.flatnonzero(np.array(self.names) == name) for name in set(self.names)}  # their turns
        self.voices = {name: self.stats[ks].total() for name, ks in self.said.items()}
        self._apart: dict[tuple[str, str], bool] = {}

    def closer(self, k: int, frames: _Stats, others: Sequence[str | None], by: float = MISMATCH) -> str | None:
        """Of the speakers ``others``, the one whose voice ``frames`` of turn ``k`` fit better ``by`` this much than
        they fit its own speaker's (the better of that speaker's other speech pooled and each of their other turns
        on its own), when the two voices can be told apart; ``None`` if there is none, or too little own speech."""
        name = self.names[k]
        own = self.voices[name] - frames
        if own.n < MIN_FRAMES:
            return None
        rivals = {s: float(frames.fit(self.voices[s])) for s in set(others) - {name, None}
                  if self.voices[s].n >= MIN_FRAMES and self._told_apart(s, name)}
        if not rivals:
            return None
        others_of = self.said[name][self.said[name] != k]
        alone = self.stats[others_of[self.stats[others_of].n >= MIN_TURN]]  # each of the speaker's other turns
        best_own = max(float(frames.fit(own)), float(frames.fit(alone).max(initial=-np.inf)))
        likest = max(rivals, key=rivals.__getitem__)
        return likest if rivals[likest] - best_own > by else None

    def _told_apart(self, name: str, other: str) -> bool:
        """Whether the halves of ``name``'s turns fit the rest of its voice better than ``other``'s voice (see
        SEPARATE); halves, so that a speaker of one turn can be told apart too."""
        if (name, other) not in self._apart:
            parts = self.halves[np.concatenate([self.said[name], self.said[name] + len(self.names)])]
            parts = parts[parts.n >= MIN_TURN // 2]
            gains = parts.fit(self.voices[name] - parts) - parts.fit(self.voices[other])
            self._apart[name, other] = bool(gains.size) and float(gains.mean()) >= SEPARATE
        return self._apart[name, other]


def _speech_frames(found: SpeechProfile, start: float, end: float, count: int) -> np.ndarray:
    """Indices of the MFCC frames in ``[start, end)`` that are mostly speech."""
    per = int(round(MFCC_STEP / FRAME))
    a, b = int(start / MFCC_STEP), min(int(end / MFCC_STEP), count)
    if b <= a:
        return np.zeros(0, dtype=int)
    mask = found.speech[a * per:b * per]
    mask = np.pad(mask, (0, (b - a) * per - len(mask)))
    return a + np.flatnonzero(mask.reshape(b - a, per).mean(axis=1) >= 0.5)


class _Stats:
    """Frames summed up: their count, sum and sum of squares (enough for a diagonal Gaussian, and for the mean
    log-likelihood of the frames under one); or several such, stacked, indexed as an array."""

    __slots__ = ("n", "sums", "squares")

    def __init__(self, n: np.ndarray, sums: np.ndarray, squares: np.ndarray) -> None:
        self.n, self.sums, self.squares = n, sums, squares

    @classmethod
    def of(cls, frames: np.ndarray) -> _Stats:
        frames = frames.astype(np.float64)
        return cls(np.array(len(frames)), frames.sum(axis=0), (frames * frames).sum(axis=0))

    @classmethod
    def stack(cls, many: Sequence[_Stats]) -> _Stats:
        return cls(np.stack([s.n for s in many]), np.stack([s.sums for s in many]), np.stack([s.squares for s in many]))

    def __getitem__(self, index: object) -> _Stats:
        return _Stats(self.n[index], self.sums[index], self.squares[index])

    def total(self) -> _Stats:
        """The stacked frames summed up as one."""
        return _Stats(self.n.sum(axis=0), self.sums.sum(axis=0), self.squares.sum(axis=0))

    def __add__(self, other: _Stats) -> _Stats:
        return _Stats(self.n + other.n, self.sums + other.sums, self.squares + other.squares)

    def __sub__(self, other: _Stats) -> _Stats:
        return _Stats(self.n - other.n, self.sums - other.sums, self.squares - other.squares)

    def fit(self, voice: _Stats) -> np.ndarray:
        """Mean log-likelihood of these frames under the Gaussian of ``voice``'s frames (without the constant); for
        stacked frames or voices, one each."""
        n, count = self.n[..., None], voice.n[..., None]
        mean = voice.sums / count
        var = np.maximum(voice.squares / count - mean * mean, 0.0) + VARIANCE_FLOOR
        mean_sq = (self.squares - 2 * mean * self.sums) / n + mean * mean  # of (frame - mean) ** 2
        return -0.5 * (mean_sq / var + np.log(var)).sum(axis=-1)
