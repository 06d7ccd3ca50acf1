"""Find speech the transcript does not have: an ad, a promo or a station break inside the show.

A web transcript leaves out the sponsor messages and promos a podcast carries. aeneas, given the whole
recording, stretches the turns around such a break over it, and the turns after it start up to a minute early.
Here the text is cut into chunks of at most :data:`locate.CHUNK` s of eSpeak, never across a turn, each matched
on its own through the recording as the story locator does; then the chunks are chained in order at one speaking
rate, give or take :data:`TOL` a chunk. Where a turn begins, the chain may jump over :data:`GAP` s or more of
voiced audio, at a cost of :data:`JUMP`. Each jump is then placed again, turn and pauses, by a finer DTW of the
turns around it (:func:`_refine`); the audio between is speech the text does not cover. Speech the chain leaves
before the first turn or after the last is such speech when the turns next to it fit better without it
(:func:`_outside`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import engine, locate, match, speech

TOL = 0.15  # a chunk may take this share more or less of the recording than the chain's rate gives it
RATES = np.arange(0.6, 1.95, 0.1)  # voiced recording time / voiced eSpeak time the chain is tried at
# Seconds of voiced audio a jump passes over at least (less is a slow stretch, not a break); OUTER_GAP before the
# first turn or after the last. GAP was 10 s for both: sponsor lines of 8-10 s were not looked for, aeneas gave them
# to the turns around, and a break found next to one had to be 10 s long, so it took the next turn's first words.
# At 8 s, in ad-hoc shows (/tmp/dev/runset.py) with one 3-14 s ad before a turn (clean1-2 of both suites, 20
# shows), turns more than 0.5 s off went from 5 (3 unflagged) to 2 (1); with five (16 shows), 54 to 51; with two
# 9-14 s ads (8 shows), 11 to 10; with sentences left out, two 10-30 s ads, or 4 turns (64 shows), no count moved.
# Dev case left-out: a 7 s sentence left out is now found as a break, and, 25 s on, the turn after a 1.1 s turn that
# was (and is) put on another left-out sentence, flagged, starts 2.5 s early on that short turn's words. At 8 s
# before the first turn too, an opening turn was taken for a pre-roll in 2 of the 110 shows (3 turns 9-13 s late).
GAP = 8.0
OUTER_GAP = 10.0
# What a jump costs, in robust z units of chunk fit (a chunk on its own match scores about -3 to -5). Measured with
# ad-hoc scripts: breaks of 13-88 s of other speakers put between two middle turns of six shows gained 9.8-19.5 by
# a jump (and the bench's cases ad and h-ad are found); on the 22 short bench shows no jump gains 8. On the
# 60-minute speed show (not searched: see pipeline._where) one spurious jump gained 8.2. With 2 invented turns in
# the text (bench/cut_lines.py --turns, story and snug, dev and held out, 4 seeds), 5 of 16 runs gave a false break
# in a story with other speech around it; the pipeline drops those.
JUMP = 9.0
MIN_TURN = 1.0  # seconds of eSpeak: a shorter turn is chunked with the turn after it
AROUND = 6  # turns on either side of a break aligned again to place it, NEAR s of eSpeak at most...
NEAR = 45.0
SLACK = 5.0  # ...with this many seconds of voiced audio beyond where the chain put them
# A break found on the text's own speech: sentences a web transcript leaves out (bench case left-out) add up, around
# a few short turns, to a break's worth of speech the text does not have, and the chain jumps over turns instead;
# an opening turn may be taken for speech before the text. Such a break holds the words of one of the NEXT turns
# on either side of it (ending before it, or starting after it, give or take EDGE s): that turn's text, looked for
# in it (its first locate.WORDS s of eSpeak, match.start_of), fits there by match's backwards gain at least
# HOLDS_FIT (SHORT_FIT for a text of under MIN_TEXT s of eSpeak, which fits by chance more: a 1.1 s turn fitted a
# true break at 0.2), and HOLDS_GAIN better than where it was aligned. Such a break is dropped. Chosen on the breaks
# found in ad-hoc shows (5 turns each losing a sentence of up to 9 s, seeds 501-514; two 10-30 s stretches of
# other speech, seeds 701-706; dev and held out) and on the benches: next to 27 true breaks, no turn fitted inside
# one more than 0.144 better than where it lay; 9 of the 14 breaks found on the text's own speech had a turn next
# to them that fitted inside at 0.16-0.49, 0.17-0.52 better. 8 are dropped; turns more than 0.5 s off in those
# shows went from 82 to 68 (unflagged: 34 to 28), and right turns flagged from 45 to 54 (of about 440), mostly
# turns that run over a sentence left out.
NEXT = 2
EDGE = 1.5
MIN_TEXT = 3.0
SHORT_FIT = 0.3
# A text under MIN_TEXT s fits by chance somewhere in a long break: in dev long-ads under the radio master a 1.5 s
# turn ("Maybe they will take us.") fitted inside a 46 s ad at 0.381, the ad was dropped, and 22 turns landed 30-54 s
# late. Such a text holds only a break of SHORT_HOLE s or less (left-out's, on the text's own speech, is 17 s; the
# ad-hoc shows above were not measured again). MIN_TEXT was 2 s until session 30: with the same show's audio cut by
# 20 ms (bench/accuracy.py --cut 0.02: another draw of aeneas's 40 ms frame grid), a 2.3 s turn fitted inside that ad
# at 0.179 (0.104 at the first draw), the ad was dropped, and 18 turns landed up to 49 s late (17 and 20 under the
# podcast and radio masters); at 3 s, 1, 0 and 0 turns are more than 1 s off (at --cut 0.01, 2 turns 3.7 and 14.7 s
# early, flagged, are right since). It costs bench/seeds.py --recipe ads one show: ads-s703's turns 17-19 land 24-28 s
# early (2 flagged), as they do at --cut 0.01, 0.02 and 0.03 either way (a break found over their own speech); and
# ads-s705's turn 6 is 3.1 s late, flagged, at all four draws, where it had been right at two and 22.9 s early,
# unflagged, at two. Nothing else moved: the short suites at both draws, the 45-minute shows, the left-out shows
# (seeds.py) and bench/cut_lines.py.
SHORT_HOLE = 20.0
HOLDS_FIT = 0.15
HOLDS_GAIN = 0.15


def find(
    wav_path: str | os.PathLike[str], turns: Sequence[Sequence[str]], found: speech.SpeechProfile,
    rendering: engine.Rendering, mfcc: Callable[[], np.ndarray] | None = None,
    span: tuple[float, float] | None = None, closed: tuple[bool, bool] = (False, False),
) -> list[tuple[float, float]]:
    """Stretches of the recording (of ``span`` of it, if given), in seconds, that hold speech none of ``turns``
    (each turn's texts, synthesised in order as ``rendering``) covers: between two of them, or before the first
    or after the last of a text that reaches the other end of the recording (of the span).

    :param mfcc: gives the recording's MFCCs (default: :func:`engine.mfcc` of ``wav_path``).
    :param closed: whether the text starts at the start of the span, and ends at its end (the turns next to it
        are aligned there): then no break is put before or after all of it.
    """
    taken = rendering.mfcc(engine.MFCC_STEP)
    tts = engine.mfcc(rendering.wav) if taken is None else taken
    recording = engine.mfcc(wav_path) if mfcc is None else mfcc()
    query, kept = locate.tts_features(tts)
    times, ref = locate.recording_features(recording, found)
    step = locate.POOL * engine.MFCC_STEP
    if span is not None:
        inside = (times >= span[0]) & (times + step <= span[1])
        times, ref = times[inside], ref[inside]
    spans = rendering.joined([len(t) for t in turns]).spans
    firsts = np.searchsorted(kept * step, [start for start, _end in spans])  # each turn's first query frame
    heads, turn_starts = _chunks(firsts, len(query), int(locate.CHUNK / step), int(MIN_TURN / step))
    if len(heads) < 2 or len(ref) < len(query):
        return []
    norm, starts = locate.subsequence_dtw(query, ref, heads)
    z = np.minimum(np.stack([locate.robust_z(row) for row in norm]), locate.WORSE)
    sizes = np.diff([*heads, len(query)])
    gap, outer = int(GAP / step), int(OUTER_GAP / step)
    expected = [sizes * rate for rate in RATES]
    _total, path, jumps = min((_chain(z, e, turn_starts, gap, closed) for e in expected), key=lambda c: c[0])
    # A story inside a longer recording has other speech on both sides. Text that starts at the start of the
    # recording but ends before its end (or the other way round) may be a show whose last turns, after a break,
    # were put on the break: then the audio left at that end costs a jump.
    left = (path[0] - sizes[0] * RATES[0] >= outer, len(ref) - 1 - path[-1] >= outer)
    open_ends = (left[0] and not closed[0], left[1] and not closed[1])
    free = path
    if open_ends[0] != open_ends[1]:
        shut = (closed[0] or open_ends[0], closed[1] or open_ends[1])
        _total, path, jumps = min((_chain(z, e, turn_starts, gap, shut) for e in expected), key=lambda c: c[0])
    breaks = (np.flatnonzero(jumps) + 1).tolist()
    cuts = [0, *breaks, len(heads)]
    fine = (tts[_fine(kept)], recording[_fine(np.round(times / step).astype(int))])
    holes = [_refine(fine, times, heads, turn_starts, path, starts, (cuts[i], at, cuts[i + 2]), gap, closed)
             for i, at in enumerate(breaks)]
    if open_ends[0] != open_ends[1]:  # and the speech at that end: an ad before the first turn, or after the last?
        holes += _outside(fine, times, heads, turn_starts, free, starts, open_ends[0], outer)
    return [(round(a, 3), round(b, 3)) for a, b in merge(holes) if b - a >= GAP]


def merge(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """``spans`` in order, those that overlap made one (two breaks placed again may come out as one)."""
    merged: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def holding_text(
    wav_path: str | os.PathLike[str], holes: Sequence[tuple[float, float]], spans: Sequence[tuple[float, float]],
    turns: engine.Rendering, found: speech.SpeechProfile, mfcc: np.ndarray,
) -> list[tuple[float, float]]:
    """The ``holes`` (breaks :func:`find` found) that hold the words of one of the NEXT turns on either side of
    them: the text's own speech, not a break (see HOLDS_FIT). A turn between two holes counts for the one its words
    fit better; a turn whose text is under MIN_TEXT s, only for a hole of SHORT_HOLE s or less.

    :param spans: each turn's aligned span, with the holes left out; ``turns``: its text's rendering.
    :param found: the recording's speech profile with the holes still in it; ``mfcc``: the recording's MFCCs.
    """
    comparer = match.Comparer(wav_path, turns.wav, found, (mfcc, turns.mfcc(engine.MFCC_STEP)))
    try:
        pairs = [(h, k) for h, hole in enumerate(holes) for k in _next_to(hole, spans)]
        there = {(h, k): _fit_in(comparer, holes[h], turns.spans[k]) for h, k in pairs}
        held = set()
        for k in sorted({k for _h, k in pairs}):
            h = max((h for h, j in pairs if j == k), key=lambda h: there[h, k])
            short = turns.spans[k][1] - turns.spans[k][0] < MIN_TEXT
            if short and holes[h][1] - holes[h][0] > SHORT_HOLE:
                continue
            if there[h, k] >= (SHORT_FIT if short else HOLDS_FIT) and \
                    there[h, k] - comparer.match(turns.spans[k], spans[k]) >= HOLDS_GAIN:
                held.add(h)
    finally:
        comparer.close()
    return [holes[h] for h in sorted(held)]


def _next_to(hole: tuple[float, float], spans: Sequence[tuple[float, float]]) -> list[int]:
    """The NEXT turns (of ``spans``) that end before ``hole`` starts, and the NEXT that start after it ends, give or
    take EDGE s."""
    before = [k for k, (_start, end) in enumerate(spans) if end <= hole[0] + EDGE]
    after = [k for k, (start, _end) in enumerate(spans) if start >= hole[1] - EDGE]
    return before[-NEXT:] + after[:NEXT]


def _fit_in(comparer: match.Comparer, hole: tuple[float, float], tts: tuple[float, float]) -> float:
    """How well a turn's text (the rendering's stretch ``tts``) fits where it is said best in ``hole``
    (:meth:`match.Comparer.match_said`; -1.0: the hole is too short to say)."""
    at = comparer.text_at(tts, locate.WORDS, *hole)
    return -1.0 if at is None else comparer.match_said(tts, at, hole[1])


def _chunks(firsts: np.ndarray, n: int, size: int, min_turn: int) -> tuple[list[int], np.ndarray]:
    """Chunk heads (query frames) of at most about ``size`` frames inside each turn, the turns that begin at
    ``firsts``; and for each chunk whether a turn begins with it. A turn shorter than ``min_turn`` frames joins the
    turn after it."""
    bounds = [*firsts.tolist(), n]
    heads: list[int] = []
    begins: list[bool] = []
    lead = None  # the first frame of short turns waiting to join the next one
    for a, b in itertools.pairwise(bounds):
        a = a if lead is None else lead
        if b - a < min_turn and b < n:
            lead = a
            continue
        lead = None
        pieces = max(1, round((b - a) / size))
        for p in range(pieces):
            heads.append(a + (b - a) * p // pieces)
            begins.append(p == 0)
    return heads, np.array(begins)


def _chain(z: np.ndarray, expected: np.ndarray, begins: np.ndarray, gap: int,
           closed: tuple[bool, bool] = (False, False)) -> tuple[float, list[int], np.ndarray]:
    """The cheapest chain of chunk ends through the recording: chunk ``k`` ends ``expected[k]`` frames (give or
    take TOL) after chunk ``k - 1``, or, where a turn ``begins``, jumps at least ``gap`` frames further at a cost of
    JUMP, as leaving that much of the recording before or after the text does at an end that is ``closed``.
    Returns its cost, each chunk's end, and whether each step from the second chunk on was a jump."""
    k_count, m = z.shape
    frames = np.arange(m)
    cost = z[0] + np.where(closed[0] & (frames - expected[0] >= gap), JUMP, 0.0)  # audio left before the text...
    back, jumped = [], []
    for k in range(1, k_count):
        lo, hi = max(1, int(expected[k] * (1 - TOL))), int(np.ceil(expected[k] * (1 + TOL)))
        window = sliding_window_view(np.concatenate([np.full(hi, np.inf), cost]), hi - lo + 1)[:m]
        arg = window.argmin(axis=1)  # window[j] holds cost[j - hi : j - lo + 1]
        step_cost, step_from = window[frames, arg], frames - hi + arg
        jump_cost, jump_from = np.full(m, np.inf), np.zeros(m, np.int64)
        far = hi + gap
        if begins[k] and far < m:
            best = np.minimum.accumulate(cost)
            where = np.maximum.accumulate(np.where(cost <= best, frames, 0))  # the frame of each prefix's minimum
            jump_cost[far:], jump_from[far:] = best[:m - far] + JUMP, where[:m - far]
        jump = jump_cost < step_cost
        cost = np.where(jump, jump_cost, step_cost) + z[k]
        back.append(np.where(jump, jump_from, step_from))
        jumped.append(jump)
    cost += np.where(closed[1] & (m - 1 - frames >= gap), JUMP, 0.0)  # ...or after it, at a ``closed`` end
    j = int(np.argmin(cost))
    total, path, jumps = float(cost[j]), [j], []
    for k in range(k_count - 2, -1, -1):
        jumps.append(bool(jumped[k][path[-1]]))
        path.append(int(back[k][path[-1]]))
    return total, path[::-1], np.array(jumps[::-1], dtype=bool)


def _refine(fine: tuple[np.ndarray, np.ndarray], times: np.ndarray, heads: list[int], begins: np.ndarray,
            path: list[int], starts: np.ndarray, cuts: tuple[int, int, int], gap: int,
            closed: tuple[bool, bool]) -> tuple[float, float]:
    """The break the chain put before chunk ``cuts[1]`` (``cuts[0]``, ``cuts[2]``: the breaks or ends around it),
    placed again. Up to AROUND turns on either side are aligned by DTW, on every MFCC frame (``fine``: the
    rendering's and the recording's under the coarse frames), to the recording around where the chain put them,
    with the break before each turn among them (or before or after them all, at an end of the text that is not
    ``closed``) and over each stretch of at least ``gap`` coarse frames between two pauses; the cheapest wins. One
    chunk of coarse frames matches too weakly on its own to say which turn a break follows, or where it starts and
    ends."""
    coarse, p = locate.POOL * engine.MFCC_STEP, locate.POOL
    count = len(heads)
    head = [*heads, len(fine[0]) // p]  # query frame where chunk c begins; head[count]: the text's end
    turns = [c for c in range(cuts[0], cuts[2]) if begins[c] or c == cuts[0]] + ([count] if cuts[2] == count else [])
    k, near = turns.index(cuts[1]), int(NEAR / coarse)
    lo = max(turns[max(0, k - AROUND)], next(c for c in range(cuts[0], cuts[1] + 1) if head[cuts[1]] - head[c] <= near))
    hi = min(turns[min(len(turns) - 1, k + AROUND)],
             next(c for c in range(cuts[2], cuts[1] - 1, -1) if head[c] - head[cuts[1]] <= near))
    slack = int(SLACK / coarse)
    # the recording's coarse frames [a, b); at an end of the text, to that end of the recording
    a = 0 if lo == 0 else max(0, int(starts[lo][path[lo]]) - slack)
    b = len(times) if hi == count else min(len(times), path[hi - 1] + 1 + slack)
    # the turns a break may precede (or the text's end, at an end that is not ``closed``)
    splits = [c for c in turns if lo < c < hi or c == lo == 0 and not closed[0] or c == hi == count and not closed[1]]
    text, audio, typical, quiet = _window(fine, times, (head[lo], head[hi]), (a, b))
    # the text before the break ends, and the text after it starts, this near a and b (at the fastest rate)
    reach = [min(b - a, int(np.ceil(frames * RATES[-1])) + 2 * slack)
             for frames in (head[splits[-1]] - head[lo], head[hi] - head[splits[0]])]
    ahead = _dtw(1.0 - typical - text @ audio[: reach[0] * p].T)
    behind = _dtw((1.0 - typical - text @ audio[-reach[1] * p:].T)[::-1, ::-1])
    n = len(text)
    ends = np.arange(-1, reach[0])  # the coarse frame a + j1 the text before the break ends with (-1: none)
    begins_at = b - a - reach[1] + np.arange(reach[1] + 1)  # the one a + j2 the text after it starts with (b: none)
    last, first = quiet[ends + 1], quiet[begins_at]  # the text may end before / start after a pause
    none_before, none_after = ends < 0, begins_at == b - a
    best = (np.inf, 0, 0)
    for c in splits:
        split = (head[c] - head[lo]) * p
        # text[:split] ending with coarse audio frame j1, text[split:] starting with j2; no text there costs 0
        before = np.where(none_before, np.inf, ahead[split - 1][(ends + 1) * p - 1]) if split \
            else np.where(none_before, 0.0, np.inf)
        after = np.where(none_after, np.inf, behind[n - split - 1][(b - a - begins_at) * p - 1]) if split < n \
            else np.where(none_after, 0.0, np.inf)
        total = before[:, None] + after[None, :]
        total[~(last[:, None] & first[None, :] & (begins_at[None, :] - ends[:, None] > gap))] = np.inf
        j1, j2 = np.unravel_index(int(np.argmin(total)), total.shape)
        if total[j1, j2] < best[0]:
            best = (float(total[j1, j2]), int(ends[j1]), int(begins_at[j2]))
    if not np.isfinite(best[0]):  # no two pauses far enough apart: where the chain put it
        return float(times[path[cuts[1] - 1]] + coarse), float(times[starts[cuts[1]][path[cuts[1]]]])
    _cost, j1, j2 = best
    return float(times[a + j1 + 1]), float(times[a + j2 - 1] + coarse)


def _outside(fine: tuple[np.ndarray, np.ndarray], times: np.ndarray, heads: list[int], begins: np.ndarray,
             path: list[int], starts: np.ndarray, before: bool, gap: int) -> list[tuple[float, float]]:
    """Speech before the first turn (``before``) or after the last that the text does not have: the first (last)
    AROUND turns are aligned by DTW, as in :func:`_refine`, to the recording from its start (to its end), and
    to it from (up to) each pause at least ``gap`` coarse frames in; the break stands when that fits better."""
    coarse, p, count = locate.POOL * engine.MFCC_STEP, locate.POOL, len(heads)
    head = [*heads, len(fine[0]) // p]
    turns = [c for c in range(count) if begins[c]] + [count]
    near, slack = int(NEAR / coarse), int(SLACK / coarse)
    if before:
        lo, hi = 0, min(turns[min(len(turns) - 1, AROUND)], max(c for c in range(1, count + 1) if head[c] <= near))
        a, b = 0, min(len(times), path[hi - 1] + 1 + slack)
    else:
        lo = max(turns[max(0, len(turns) - 1 - AROUND)], min(c for c in range(count) if head[count] - head[c] <= near))
        hi, a, b = count, max(0, int(starts[lo][path[lo]]) - slack), len(times)
    text, audio, typical, quiet = _window(fine, times, (head[lo], head[hi]), (a, b))
    cost = 1.0 - typical - text @ audio.T
    if before:  # time runs backwards: the text's start is anchored, its end free
        cost = cost[::-1, ::-1]
    fits = _dtw(cost)[-1][p - 1::p]  # all the text, up to each coarse frame from the anchored end
    # fits[j]: the text starting at frame b - a - 1 - j after a pause (before), or ending at frame j before one
    pauses = quiet[:-1][::-1] if before else quiet[1:]
    whole = fits[-1]  # over all the audio: no break
    skip = np.arange(len(fits))
    allowed = pauses & (len(fits) - 1 - skip >= gap)
    if not allowed.any() or fits[allowed].min() >= whole:
        return []
    j = int(skip[allowed][np.argmin(fits[allowed])])
    if before:  # the text starts at coarse frame a + (b - a - 1 - j)
        return [(float(times[a]), float(times[b - 1 - j - 1] + coarse))]
    return [(float(times[a + j + 1]), float(times[b - 1] + coarse))]


def _window(fine: tuple[np.ndarray, np.ndarray], times: np.ndarray, text_frames: tuple[int, int],
            audio_frames: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """The rendering's features on every MFCC frame under its coarse frames ``text_frames`` ``[q0, q1)``, and the
    recording's under ``audio_frames`` ``[a, b)``; the median cost of a text frame on an audio frame, from every
    fourth audio frame (a frame of text on speech it is not the text of scores about that, so a DTW that subtracts
    it skips such speech for nothing); and where the recording pauses: ``quiet[j]`` for a pause before coarse frame
    ``a + j`` (``quiet[0]`` and ``quiet[b - a]``, the window's edges, count as pauses)."""
    (q0, q1), (a, b), p = text_frames, audio_frames, locate.POOL
    text, audio = match.features(fine[0][q0 * p: q1 * p], 1), match.features(fine[1][a * p: b * p], 1)
    typical = float(np.median(1.0 - text @ audio[::4].T))
    quiet = np.insert(np.append(np.diff(times[a:b]) > 1.5 * p * engine.MFCC_STEP, True), 0, True)
    return text, audio, typical, quiet


def _fine(coarse: np.ndarray) -> np.ndarray:
    """The MFCC frames under coarse frames ``coarse``."""
    return (coarse[:, None] * locate.POOL + np.arange(locate.POOL)).ravel()


def _dtw(cost: np.ndarray) -> np.ndarray:
    """Accumulated ``cost`` (text frames by audio frames; symmetric weights, slopes 1/2..2) of aligning the text's
    first ``i + 1`` frames with audio ending at frame ``j`` (from any frame on), for every ``(i, j)``."""
    n, m = cost.shape
    acc = np.full((n, m), np.inf, np.float32)
    acc[0] = 2 * cost[0]
    for j in range(1, m):
        col = np.full(n, np.inf, np.float32)
        col[0] = acc[0, j]
        col[1:] = acc[:-1, j - 1] + 2 * cost[1:, j]
        if j >= 2:
            col[1:] = np.minimum(col[1:], acc[:-1, j - 2] + 2 * cost[1:, j - 1] + cost[1:, j])
        col[2:] = np.minimum(col[2:], acc[:-2, j - 1] + 2 * cost[1:-1, j] + cost[2:, j])
        acc[:, j] = col
    return acc
