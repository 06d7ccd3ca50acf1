"""Find the part of a longer recording that a transcript covers (one story inside a newscast).

aeneas stretches the text over the whole audio it is given. When the recording holds far more speech
than the text could fill, this module finds where the text is spoken: it synthesises the text with
eSpeak, reduces the MFCCs of both to coarse speech-only frames, and runs a subsequence DTW (free
start and end in the recording) whose memory grows with the text, never with the recording.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import engine, match, speech

POOL = 4  # MFCC frames (40 ms) per coarse frame: 160 ms
# voiced time / eSpeak time above this: the text cannot fill the audio. Whole shows measured 0.77-1.20 (the dev and
# held-out bench shows, the 60- and 180-minute speed shows); stories 3.4-3.6 inside 3x recordings, 1.37-1.76 with
# other speech half their length around them (at 1.8, bench case snug was aligned as a whole show: 5 of 18 turns
# 20-46 s off)
TRIGGER_RATIO = 1.3
EST_CHARS_PER_SECOND = 21.0  # eSpeak speaks 17-19 characters a second; a fast bound, to skip the TTS
NEAR_FULL = 0.9  # a located span this share of the voiced time is the whole recording
MARGIN = 1.0  # seconds kept around the located span
COST_BLOCK = 512  # recording frames per block of the local cost matrix
CHUNK = 5.0  # seconds of eSpeak per chunk of text that votes on where the text starts
MAX_CHUNKS = 64  # longer texts get longer chunks, so the vote's memory stays bounded
RATES = np.arange(0.6, 1.95, 0.05)  # voiced recording time / voiced eSpeak time tried by the vote
# an edge found inside speech moves out to a pause this long (JFK pauses 1 s between phrases: at 1.0 s, a story he
# opened started 5.3 s late, bench case snug)...
PAUSE = 1.5
REACH = 10.0  # ...at most this far away
LONE = 1.0  # ...and a start past a sound shorter than this before it and another such pause (a sonnet's "Three.")
FAR = 5.0  # z-score a chunk scores where it cannot be (pads the vote)
# A chunk that fits worse than this where a start and rate put it counts only this much: text the broadcast never
# aired fits nowhere, and the chunks after it are seconds off the line. Uncapped (5), two invented turns in the
# story case's text moved its start up to 31 s early (bench/cut_lines.py --turns --cases story: 15 turns more
# than 1 s off in 4 seeds; 8 at 0, 15 at 1).
WORSE = 0.0
# chunks needed to judge each by the others where it ends (see _relative): a median of fewer says little
MIN_RELATIVE = 8
MIN_SPAN = 0.5  # a located span holds at least this share of the text's voiced eSpeak time (DTW's steepest slope)
# A text's first (last) turn is looked for across the located span's start (end), up to OUTSIDE s beyond it: the
# vote fits one start and one rate, so speech the text does not have inside a short show (an 8 s sponsor line in a
# 25 s show) can leave a whole turn outside the span. Found there (match.start_of on its first WORDS s of eSpeak),
# and fitting its audio there by match's backwards gain at least WIDEN_FIT and WIDEN_GAIN better than the audio at
# the span's edge, the span reaches it. Chosen on ad-hoc shows of 3-5 turns of the benches' speech: 36 with one
# 6-12 s stretch of other people's speech inside (6 were taken for stories, a turn left out; 4 now are not) and 36
# inside recordings 3x longer (one story whose first turn the vote had left out is now whole). There, the best fit
# of a story's edge turn outside it was 0.213, 0.104 better than at the edge; the turns widened to fitted 0.27-0.43.
# OUTSIDE was 30 s: a 5-minute show with a 29 s ad before its last five turns (ad hoc, seed 706) was taken for a
# story that ended inside the ad, its last turn 28-31 s past the span, and those turns were put 29-35 s early,
# unflagged. At 45 s it is aligned whole (2 turns next to the ad wrong, flagged); of the 72 shows above, one turn
# already 57 s off (flagged) came out 39 s off (unflagged); the --long suites did not move. WIDEN_FIT was 0.25: in
# bench/seeds.py --recipe tiny (seeds 600-611), a show's 10 s first turn before a sponsor's line fitted 0.21 there
# (0.28 better than at the edge), and it and the next turn were put 23 and 3.6 s late, unflagged. At 0.2 both are
# right; --recipe tiny-story and the --long suites did not move (at 0.15 a 2.6 s turn of a story widened it onto
# the show before, fitting 0.17 there).
OUTSIDE = 45.0
WORDS = 6.0
WIDEN_FIT = 0.2
WIDEN_GAIN = 0.2

@dataclass(frozen=True, slots=True)
class Coverage:
    """The span of the recording that the text covers, in seconds, and how sure the match is (0..1)."""

    start: float
    end: float
    confidence: float


def locate(
    wav_path: str | os.PathLike[str], texts: list[str], found: speech.SpeechProfile, rendering: engine.Rendering,
    mfcc: Callable[[], np.ndarray] | None = None,
) -> Coverage | None:
    """The span of the recording that ``texts`` (synthesised as ``rendering``) cover, or ``None`` when they
    cover (nearly) all of it.

    :param mfcc: gives the recording's MFCCs (default: :func:`engine.mfcc` of ``wav_path``), asked only when the
        text cannot fill the audio, so that a caller who needs them too takes them once.
    """
    if fills(texts, found, rendering):
        return None
    taken = rendering.mfcc(engine.MFCC_STEP)  # a long recording's were taken while its audio decoded
    query, _kept = tts_features(engine.mfcc(rendering.wav) if taken is None else taken)
    times, ref = recording_features(engine.mfcc(wav_path) if mfcc is None else mfcc(), found)
    if len(query) < 8 or len(ref) < len(query):
        return None
    first, last, confidence = vote(query, ref)
    step = POOL * engine.MFCC_STEP
    # the end, found the way the start is: the same vote on the text and recording played backwards; when that
    # puts the end before the start (a text the recording does not hold), the forward vote's end stands
    back, _, back_confidence = vote(query[::-1].copy(), ref[::-1].copy())
    if len(ref) - 1 - back > first:
        last = len(ref) - 1 - back
    confidence = min(confidence, back_confidence)
    if last - first + 1 < MIN_SPAN * len(query):  # no room to speak the text there: the votes found no place for it
        return None
    start, end = times[first], times[last] + step
    start, end = _to_pause(found, start, -1), _to_pause(found, end, +1)
    if _near_full(found, start, end):
        return None
    return Coverage(start=round(max(0.0, start - MARGIN), 3), end=round(min(found.duration, end + MARGIN), 3),
                    confidence=confidence)


def fills(texts: list[str], found: speech.SpeechProfile, rendering: engine.Rendering) -> bool:
    """Whether ``texts`` (synthesised as ``rendering``) could fill all the speech of the recording."""
    voiced = float((found.voice > speech.VOICE_THRESHOLD).sum()) * speech.FRAME
    chars = sum(len(t) for t in texts)
    return (not texts or chars == 0 or voiced <= TRIGGER_RATIO * chars / EST_CHARS_PER_SECOND
            or voiced <= TRIGGER_RATIO * rendering.spans[-1][1])


def tts_features(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coarse features of the eSpeak rendering, its silent frames (by c0) dropped, and the coarse frames kept."""
    n = len(m) // POOL
    energy = m[: n * POOL, 0].reshape(n, POOL).mean(axis=1)
    keep = energy > np.percentile(energy, 5) + 0.25 * (np.percentile(energy, 95) - np.percentile(energy, 5))
    return match.features(m, POOL, keep), np.flatnonzero(keep)


def recording_features(m: np.ndarray, found: speech.SpeechProfile) -> tuple[np.ndarray, np.ndarray]:
    """Coarse features of the voiced frames of the recording's MFCCs ``m``, and the time each starts at."""
    n = len(m) // POOL
    step = POOL * engine.MFCC_STEP
    voice = found.voice > speech.VOICE_THRESHOLD
    per = int(round(step / speech.FRAME))
    v = voice[: n * per]
    v = np.concatenate([v, np.zeros(n * per - len(v), dtype=bool)]).reshape(n, per).mean(axis=1) >= 0.5
    times = np.flatnonzero(v) * step
    return times, match.features(m, POOL, v)


def subsequence_dtw(query: np.ndarray, ref: np.ndarray,
                    chunks: int | Sequence[int] = 1) -> tuple[np.ndarray, np.ndarray]:
    """Best match of all of ``query`` inside ``ref`` (cosine distance, local slopes 1/2..2).

    With ``chunks`` > 1 the query is cut into that many equal chunks (its last ``len(query) % chunks`` frames
    left out), or at the first frames ``chunks`` lists (the first being 0), each matched on its own in the
    same pass. Returns, one row per chunk, the cost per step of the best match ending at every ``ref``
    index (``inf`` where nothing ends) and the ``ref`` index where that match starts. Memory is
    O(len(query)) plus the returned rows.
    """
    n, m = len(query), len(ref)
    if isinstance(chunks, int):
        first = np.arange(chunks) * (n // chunks)
        tails = first + n // chunks - 1
    else:
        first = np.asarray(chunks)
        tails = np.append(first[1:], n) - 1
    heads = np.zeros(n, bool)
    heads[first] = True
    heads = heads[1:]  # rows 1.. that start a chunk
    inf = np.float32(np.inf)
    d1 = np.full(n, inf, np.float32)  # accumulated cost in column j-1
    d2 = np.full(n, inf, np.float32)  # ... and j-2
    s1 = np.zeros(n, np.int64)
    s2 = np.zeros(n, np.int64)
    c1 = np.full(n, inf, np.float32)  # local cost in column j-1
    ends = np.full((len(first), m), np.inf, np.float32)
    starts = np.zeros((len(first), m), np.int64)
    for j0 in range(0, m, COST_BLOCK):
        block = 1.0 - query @ ref[j0: j0 + COST_BLOCK].T  # (n, block) cosine distances
        for k in range(block.shape[1]):
            j = j0 + k
            c = block[:, k]
            d = np.empty(n, np.float32)
            s = np.empty(n, np.int64)
            d[0], s[0] = 2 * c[0], j  # free start: the text may begin at any frame of the recording
            # symmetric weights (each step costs its text frames plus its recording frames): no shortcut
            diag = d1[:-1] + 2 * c[1:]
            left = d2[:-1] + 2 * c1[1:] + c[1:]  # two recording frames for one of the text
            up = np.full(n - 1, inf, np.float32)
            up[1:] = d1[:-2] + 2 * c[1:-1] + c[2:]  # two text frames for one of the recording
            d[1:] = np.minimum(np.minimum(diag, left), up)  # ties go to the diagonal, then left
            s[1:] = np.where(d[1:] == diag, s1[:-1], np.where(d[1:] == left, s2[:-1], np.concatenate([[j], s1[:-2]])))
            d[1:][heads], s[1:][heads] = 2 * c[1:][heads], j  # each chunk starts afresh
            ends[:, j], starts[:, j] = d[tails], s[tails]
            d2, d1, s2, s1, c1 = d1, d, s1, s, c
    norm = ends / ((tails - first + 1)[:, None] + np.arange(m) - starts + 1)
    return norm, starts


def vote(query: np.ndarray, ref: np.ndarray) -> tuple[int, int, float]:
    """Where in ``ref`` the text is, voted by its chunks: ``(first, last ref index, confidence)``.

    One frame's match between eSpeak and a human voice is weak evidence, and a free DTW over a long
    recording finds a cheap wrong path. Each chunk of the text is matched on its own; a start and a
    speaking rate then score the sum of the chunks' (robust z) costs where that start and rate put
    them, give or take a tolerance that grows with the distance from the start.
    """
    step = POOL * engine.MFCC_STEP
    chunks = max(1, min(MAX_CHUNKS, int(len(query) * step / CHUNK)))
    size = len(query) // chunks
    norm, starts = subsequence_dtw(query, ref, chunks)
    m = norm.shape[1]
    voting = _relative(norm) if chunks >= MIN_RELATIVE else norm
    levels = [robust_z(row) for row in voting]  # per chunk: z, then min-filtered at widths 2**L
    pyramids = [_min_pyramid(z) for z in levels]
    best = (np.inf, 0, 1.0)
    scores_at_best = np.zeros(0)
    for rate in RATES:
        score = np.zeros(m)
        for k, pyr in enumerate(pyramids):
            off = int(round(rate * (k + 1) * size)) - 1  # chunk k ends here, counted from the start
            tol = 2 + int(0.05 * off)
            level = min(len(pyr) - 1, int(np.ceil(np.log2(2 * tol + 1))))
            half = (2 ** level - 1) // 2
            row = pyr[level]
            idx = np.arange(m) + off - half
            valid = (idx >= 0) & (idx < len(row))
            score += np.where(valid, np.minimum(row[np.clip(idx, 0, len(row) - 1)], WORSE), FAR)
        s = int(np.argmin(score))
        if score[s] < best[0]:
            best, scores_at_best = (float(score[s]), s, float(rate)), score
    total, first, rate = best
    # the edges: where the first chunk's and the last chunk's own best matches near the voted place are
    first, last = _edge(norm[0], starts[0], first, rate * size - 1, True), \
        _edge(norm[-1], starts[-1], first, rate * chunks * size - 1, False)
    # confidence: how far the winner stands from the best start away from it
    away = np.ones(m, bool)
    away[max(0, first - size): first + size + 1] = False
    rival = float(scores_at_best[away].min()) if away.any() else 0.0
    confidence = float(np.clip((rival - total) / (2.0 * chunks), 0.0, 1.0))
    return first, last, round(confidence, 3)


def _relative(norm: np.ndarray) -> np.ndarray:
    """Each chunk's cost where it ends at each recording frame, less the median chunk's there: how much better
    that chunk fits there than the rest of the text does. Some speech fits any eSpeak well: amid clean studio
    reads (TIMIT), a story's FLEURS and LibriSpeech voices fitted their own text no better than the reads fitted
    it, and the vote put the story 480 s off (bench case h-story-long); judged this way, it is found. The vote
    alone uses these: the edges come from the chunks' own costs (from these, that story's first turn started
    6.7 s early, on the show before it)."""
    base = np.median(np.where(np.isfinite(norm), norm, 1.0), axis=0)  # 1.0: an unrelated frame's cosine distance
    return norm - base


def _edge(row: np.ndarray, starts: np.ndarray, first: int, off: float, head: bool) -> int:
    """The start (``head``) or end of a chunk's best match ending near ``first + off``."""
    tol = 2 + int(0.05 * off)
    lo, hi = max(0, first + int(off) - tol), min(len(row), first + int(off) + tol + 1)
    if hi <= lo or not np.isfinite(row[lo:hi]).any():
        return min(max(first + (0 if head else int(off)), 0), len(row) - 1)
    j = lo + int(np.argmin(row[lo:hi]))
    return int(starts[j]) if head else j


def _to_pause(found: speech.SpeechProfile, t: float, direction: int) -> float:
    """Move an edge found inside speech out to the next pause of :data:`PAUSE` s, at most :data:`REACH` s; a start
    also past a lone sound of under LONE before that pause and another as long (a sonnet's number said alone before
    its first line)."""
    voiced = found.voice > speech.VOICE_THRESHOLD
    need, reach = int(PAUSE / speech.FRAME), int(REACH / speech.FRAME)
    start = i = found.frame(t)
    quiet = 0
    for _ in range(reach):
        if not 0 <= i + direction < len(voiced):
            break
        quiet = quiet + 1 if not voiced[i] else 0
        if quiet >= need:
            edge = i - direction * (need - 1)
            runs = _runs(voiced, i, direction, 3)  # the rest of the pause, the sound beyond it, the quiet beyond that
            if (direction < 0 and len(runs) == 3 and runs[1] * speech.FRAME < LONE and runs[2] >= need
                    and abs(i - start) + runs[0] + runs[1] <= reach):
                edge = i + direction * (runs[0] + runs[1] - 1)
            return edge * speech.FRAME
        i += direction
    return t


def _runs(mask: np.ndarray, i: int, direction: int, count: int) -> list[int]:
    """The lengths of the first ``count`` runs of equal values of ``mask`` from index ``i`` on, in ``direction``."""
    out: list[int] = []
    while 0 <= i < len(mask) and len(out) < count:
        j = i
        while 0 <= j < len(mask) and mask[j] == mask[i]:
            j += direction
        out.append(abs(j - i))
        i = j
    return out


def robust_z(row: np.ndarray) -> np.ndarray:
    fin = np.isfinite(row)
    if not fin.any():
        return np.full(len(row), FAR, np.float32)
    med = float(np.median(row[fin]))
    mad = float(np.median(np.abs(row[fin] - med))) + 1e-6
    return np.where(fin, np.minimum((row - med) / mad, FAR), FAR).astype(np.float32)


def _min_pyramid(z: np.ndarray, depth: int = 8) -> list[np.ndarray]:
    """``z`` min-filtered over windows of 1, 2, 4, ... frames: ``out[L][i] = min(z[i : i + 2**L])``."""
    out = [z]
    for level in range(1, depth):
        prev, w = out[-1], 2 ** (level - 1)
        nxt = prev.copy()
        nxt[:-w] = np.minimum(prev[:-w], prev[w:])
        out.append(nxt)
    return out


def widened(wav_path: str | os.PathLike[str], found: speech.SpeechProfile, turns: engine.Rendering,
            coverage: Coverage, mfcc: np.ndarray) -> Coverage | None:
    """``coverage`` reaching out to the text's first and last turns (``turns``: one text each) when they are said
    just outside it (see OUTSIDE); ``None`` when it then holds (nearly) all the speech."""
    comparer = match.Comparer(wav_path, turns.wav, found, (mfcc, turns.mfcc(engine.MFCC_STEP)))
    try:
        start = _outside(comparer, found, turns.spans[0], coverage.start, -1)
        end = _outside(comparer, found, turns.spans[-1], coverage.end, +1)
    finally:
        comparer.close()
    if start is None and end is None:
        return coverage
    start = coverage.start if start is None else max(0.0, start - MARGIN)
    end = coverage.end if end is None else min(found.duration, end + MARGIN)
    if _near_full(found, start, end):
        return None
    return Coverage(start=round(start, 3), end=round(end, 3), confidence=coverage.confidence)


def _near_full(found: speech.SpeechProfile, start: float, end: float) -> bool:
    """Whether ``[start, end)`` holds NEAR_FULL of the recording's voiced time: it is the whole recording."""
    voiced = found.voice > speech.VOICE_THRESHOLD
    return bool(voiced[found.frame(start):found.frame(end)].sum() >= NEAR_FULL * voiced.sum())


def _outside(comparer: match.Comparer, found: speech.SpeechProfile, tts: tuple[float, float], edge: float,
             direction: int) -> float | None:
    """Where a turn (the rendering's stretch ``tts``) said across or within OUTSIDE s of ``edge`` starts (``direction``
    -1: before it) or ends (+1: after it), when its text fits there as WIDEN_FIT and WIDEN_GAIN ask."""
    length = match.SAID * (tts[1] - tts[0])  # the audio it is compared with (Comparer.match_said)
    lo, hi = (max(0.0, edge - OUTSIDE), edge + length) if direction < 0 else (edge - length, edge + OUTSIDE)
    lo, hi = max(0.0, lo), min(found.duration, hi)
    at = comparer.text_at(tts, WORDS, lo, hi)
    if at is None:
        return None
    out = at if direction < 0 else min(found.duration, at + length)
    if (out - edge) * direction <= 0:  # said inside the span
        return None
    there = comparer.match_said(tts, at, found.duration)
    inside = (edge, edge + length) if direction < 0 else (max(0.0, edge - length), edge)
    if there < WIDEN_FIT or there - comparer.match(tts, inside) < WIDEN_GAIN:
        return None
    return out
