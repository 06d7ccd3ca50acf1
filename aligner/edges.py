"""Turn edges moved past a sound at either end that the turn's text does not fit: a sting or a jingle.

The VAD half believes singing and voices over music, so a sting or a jingle next to a turn can pass every
timing check, and the aligner gives it to the turn: the turn then starts seconds early, or ends seconds
late, on music. What the VAD cannot tell, the text can. When a turn opens (or closes) with a sound that the
VAD doubts and a pause parts from the rest, its eSpeak rendering is compared (by DTW, as in match.py) with
the turn's audio with and without that sound; if the text fits clearly better without it, by both of
match's measures, the turn starts after it (or ends before it). It also does when the text fits rather better
without it and the sound runs straight into music (or comes straight out of it): the notes of a sting.

aeneas also gives a next speaker's first short words ("He could wait no longer.") to the turn before, when a
pause parts them from what follows. A turn's short last sound, even one the VAD is sure of, leaves it when its
text fits better without it (or about as well, when the sound is in the next speaker's voice), and goes to the
next turn unless that one's text fits better without it by both measures, or it runs into music. The other way
round, a sentence the transcript leaves out goes to the next turn: when a turn's first sounds are in the previous
speaker's voice (voices.SpeakerChanges.heads) and its text fits better without them, they go back. And a turn that
holds seconds more speech than its text needs (an ident or a promo the transcript leaves out, before it) starts
where its text's first words are found in its audio.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from . import engine, match, quality, windows
from .speech import FRAME, SpeechProfile
from .unaired import Times
from .workers import Workers

# seconds from a turn's first (last) sound, music not counted, that a later onset (earlier offset) may be its edge
REACH = 8.0
MIN_REST = 0.5  # seconds of the turn (or of its first or last sentence, to keep its times) left inside it
COMPARED = 20.0  # seconds of the turn compared beside the edges tried (and as much of its text)
# How much better the text must fit without the sound: the DTW distance's fall plus the backwards gain's
# rise, each at least MIN_EACH. Measured ad hoc on the dev, held-out and speed shows (1,262 turn starts and
# 1,280 ends with a sound to try): starts on a sting 2-7 s early reached 0.204 or more (or could not be
# spoken with the sting at all), each part 0.094 or more; right starts 0.138 at most. The ends moved by the
# same rule (39) all came closer to the truth, 33 of them from more than 1 s late.
MIN_SUM = 0.17
MIN_EACH = 0.06
# A turn whose text fits this much better without its first sound, though not clearly enough to move its start,
# is doubted (flagged). On the dev, held-out and 60-minute shows, of the 150 turn starts with a sound to try that
# did not move, the 147 right ones reached 0.04 at most; a start 3.7 s early on a sting the VAD was sure of, 0.152.
# When that first sound runs straight into music (SpeechProfile.runs_into_music: a sting's first notes, then the
# rest of it), the turn moves instead: a start 8.6 s early between two episodes of the held-out long show with
# ads reached 0.106. So does an end whose last sound comes straight out of music (a sting's last notes): in that
# show, an end 4.2 s late on a sting reached 0.2, its backwards gain short of MIN_EACH.
DOUBT_SUM = 0.10
# Only sounds the VAD doubts (their speech frames' mean probability under DOUBTED) raise a doubt, and only they
# are tried at a turn's end: of the sounds above, 2,159 that the text fitted no better without averaged 0.97
# (median); of the 33 it did, 32 were under 0.93. A start moves past speech the VAD is sure of too, on MIN_SUM:
# a station ident or promo the transcript leaves out, too short to be looked for as a break (untranscribed.GAP).
# With 3-4 s espeak idents before each of 5 turns of a test show (15 shows), 7 turns started on the ident,
# 2-5 s early; 3 do since (1.8-3.1 s: the ident was split between two turns, see IDENT). The dev and held-out
# suites did not move (bench/accuracy.py --long).
DOUBTED = 0.93
# An end is not moved past such speech (tried on the suites, it moved 1 end 3.1 s early and a start 2.4 s late),
# but a turn whose text fits at least OVERRUN better up to an earlier offset is flagged: its end runs over speech
# it does not have. The espeak idents above (9 ends 3.6-4.8 s late) reached it; of the dev and held-out turns, the
# right ones stayed under it (2 reached 0.3), and one end 3.1 s late over a sting went over it.
OVERRUN = 0.4
# The turn after one whose end runs over such speech often lies on the wrong audio: its words went to the turn
# before, and it was put on what followed them (an ad the transcript leaves out). It is flagged (start_taken) when
# its text fits where it is by match's backwards gain (match.Comparer.match) under TAKEN_FIT. On the --long suites,
# of the turns after one flagged end_overrun, the 4 wrong ones (5.2-17.3 s off; 2 unflagged) fitted at 0.041 at
# most, the 8 right ones at 0.204 at least; of all right turns, 8% fit under 0.1, so the gain alone is no flag.
TAKEN_FIT = 0.1
# Such a turn moves back onto its words when its text, looked for from halfway through the eSpeak time of the turn
# before (its own words come first) up to its own start, fits there by TAKEN_BACK_FIT and TAKEN_BACK_GAIN better
# than where it lies (_taken_back); it then ends at the last pause within TAKEN_BACK_SPAN times its eSpeak time
# (what follows took its place), and the turn before ends before its words. Ad hoc (/tmp/dev/takenfit.py, every
# start_taken turn of both --long suites and 134 ad-hoc shows): the wrong ones whose words were found within 0.1 s
# fitted there by 0.134-0.451; the right ones by 0.095 at most. At 0.15, 5 turns 5.0-11.0 s late (all flagged;
# dev short-ads 6 and 15, h-short-ads 1) start within 0.1 s, one more at 1.5 s (now unflagged); nothing else moved.
# At 0.12 an espeak turn whose words the search left out moved onto a sponsor line it fitted by 0.130. The turn after
# one whose last sentence holds IDENT more speech than its text needs is looked for so too, though that one's end was
# not seen to run over, and taken back only to words in its own speaker's voice (voices.SpeakerChanges.next_voice):
# without that, two turns of the 45-minute dev show went back into a slow reader's long turn before them, 2.4 and
# 26.7 s early. Under the podcast master h-short-ads turn 8 (7.7 s late, unflagged) starts within 0.02 s since; on
# the short suites under no master and the three nothing else moved. It is not flagged when it stays: of 19 such
# turns whose text fitted under TAKEN_FIT where they lay, 15 were right (ad-hoc logger).
TAKEN_BACK_FIT = 0.15
TAKEN_BACK_GAIN = 0.1
TAKEN_BACK_SPAN = 2.0
# Speech the VAD is sure of is tried only in a turn whose first (last) sentence holds IDENT seconds more speech
# than its text would take at the recording's usual pace, and only when it lasts IDENT (an ident, not a word).
# Trying it at every turn took the trimming of the 60-minute speed show from 0.26 s to 1.29 s.
IDENT = 2.5
# A turn's last sound of at most SHORT_LAST after a pause of PARTED or more, however sure the VAD, leaves the turn
# when its text fits better without it by HAND_OVER (a next speaker's first words, a clip's tail); it goes to the
# next turn unless that one's text fits better without it by both measures (as choose asks). Of 98 such sounds on
# the dev, held-out and 60-minute shows that were the turn's own, none fitted its text better without them (-0.007 at
# most); of 37 that came after its truth end, 28 did by 0.05 or more (ad-hoc logger around edges.fits). Of the 9
# such sounds the next turn's text was tried with on the --long suites, 6 were that turn's words: it fitted 3 worse
# without them, 2 better by one measure only (JFK's first words, 0.139 closer and 0.004 less clear: he started 5 s
# late) and 1 by both (0.056, 0.02; 0.35 s); 2 were no one's (noise, a clip's tail), and it fitted both better
# without them by both measures.
SHORT_LAST = 2.0
PARTED = 0.5
HAND_OVER = 0.05
# Such a sound in the next speaker's voice (voices.SpeakerChanges.next_voice) leaves the turn unless its text fits more
# than VOICED_LAX worse without it: one short word (a sonnet's number, "One.", read alone) fits the end of many texts
# about as well as not. On the short dev and held-out suites under no master and the three (bench/accuracy.py --master;
# ad-hoc logger), 28 last sounds were in the next speaker's voice: 20 fitted HAND_OVER better without, 3 could not be
# spoken without, and 5 fitted 0.074 worse to 0.047 better. Those 5 now move: three sonnet numbers under the radio
# master, whose turns had started 2.7-3.0 s late (now within 0.3 s), a dev turn end 1.3 s late (0.19 s), and one end
# that later steps put back; no other figure of those suites moved.
VOICED_LAX = 0.1
# A turn's first sounds in the previous speaker's voice (voices.SpeakerChanges.heads: a sentence the transcript leaves
# out, which the aligner gives to the next turn) leave the turn when its text fits better without them by HAND_OVER, and
# end the previous turn when it ended at most SAME_SPEAKER before them: a pause between sentences, not a break. Leaving
# out the last sentence of one of 5 turns of an espeak show (test_voices.py), 4 next turns started 2.4-3.5 s early; none
# does since. On the dev and held-out --long suites, 25 turns' first sounds fitted the previous voice better than their
# own: 22 right turns, whose texts fitted at most 0.029 better without them (none moved), and 3 of left-out and
# h-left-out that had started 1.6-3.4 s early, which gained 0.056-0.258 (all now within 13 ms).
SAME_SPEAKER = 1.0
# They leave it also when its text fits no more than HEAD_LAX worse without them, if the previous turn's last sentence
# holds PREV_EXTRA s or more of speech than its text needs (see _extra_speech): that turn ends on speech not its own
# (a 1.1 s turn put on a 7 s sentence the transcript leaves out), and the sounds in its voice are likelier its words.
# Measured with an ad-hoc script (/tmp/dev/hbdbg.py) over both --long suites' short shows and 110 ad-hoc ones: of 37
# turns whose first sounds were in the previous voice but not handed back, 5 followed a turn with 2.5 s or more to
# spare. 3 had started 1.4-2.6 s early on the previous turn's words and fitted -0.028 to 0.016 without them (dev and
# held-out left-out: both start within 0.25 s since); 2 fitted -0.16 and -0.36 (one right, one 8 s early either way).
# The turn given its words back then starts where they are found in it (_words_regained): the two left-out turns
# that were 7.8 and 8.4 s early (flagged), a 2-sentence turn 12.5 s early (unflagged) and one 19 s early (flagged)
# in ad-hoc ads shows start within 0.1 s; nothing else moved on the --long suites, cut_lines or 134 ad-hoc shows.
# Until session 30 the whole turn's extra speech counted, but extra speech elsewhere says nothing about its end: after
# a slow reader's 104 s sonnet (22 s over the median pace in all, 2.1 s in its last sentence), JFK's first phrase,
# heard in the reader's voice under the radio master, was handed back and his turn started 5.0 s late, unflagged (dev
# long-ads turn 154; 0.1 s since). Nothing else moved on the short suites under no master and the three, or on the
# 45-minute shows.
# A turn holding PREV_EXTRA s more speech than its text needs in all, with GAP_SPEECH s or more of speech that no turn
# covers after it (its words: the next turn's start moved past them), moves onto them too when they are found there
# (_regain_before_gap), and ends where its text fits best. Four turns 3.2-20.8 s early in 134 ad-hoc shows (two
# unflagged: 20.8 s early on a 20 s ad, 4.2 s on a sponsor line) start within 0.26 s since; the other shows' and both
# --long suites' sync maps are byte-identical, and bench/cut_lines.py prints the same.
PREV_EXTRA = 2.5
HEAD_LAX = 0.05
GAP_SPEECH = 1.0
# A turn's end is not moved back so far that less than 1/MAX_PACE voiced seconds of audio are left per second of its
# text's eSpeak rendering: match.dtw_cost lets a text dwell on an audio frame, so a short span of anything fits a
# long text. On the short dev and held-out shows, the turns as aligned held 1.3 s of eSpeak per voiced second at
# most, and the 28 edges chosen 0.6-1.3, but for one end moved 8 s back onto a promo's first 1.6 s (3.1). Starts
# are left free: a text may hold a line that was never aired, and held to the same pace, a turn with one such line
# (bench/cut_lines.py, mp3_48k seed 2) kept a start 3.3 s early on the end of the turn before.
MAX_PACE = 2.0
# A turn whose first sentence, or all of it, holds WORDS_EXTRA seconds more speech than its text needs at the
# recording's pace may start on speech the transcript does not have (an ident, a promo, a sponsor's line), too short
# to be looked for as a break (untranscribed.GAP) and often longer than REACH, or one the VAD is sure of. Its text's
# first WORDS_TEXT seconds of eSpeak are looked for in its audio (match.start_of); found WORDS_SHIFT or more after
# its start, the onsets from WORDS_NEAR[0] before to WORDS_NEAR[1] after there are tried, and the one the text fits
# best from is its start when the text fits better so by HAND_OVER and that onset's backwards gain is WORDS_CLEAR or
# more. The sound just before such a start does not go back to it (_hand_over) when its words are found later still:
# an ad's last words. Measured with ad-hoc scripts: with 3-14 s of other people's speech put before a middle turn of
# 6 dev and held-out shows (30 cases), 15 turns started 2.2-10 s early or 2-14 s late; 8 start right since, and 2 of
# the others (both flagged) went further off. On the --long suites only two held-out starts moved, both on promos:
# 8.7 s early (the promo is longer than REACH) and 2.7 s early, now within 0.12 s. Looking for 4 s of text instead
# found a sentence inside a promo; an audio span of 1.5 (not 2) times the text's missed a slow reader; the onsets of
# a first sentence alone missed starts past pauses shorter than JOIN_GAP; with WORDS_CLEAR 0.05 a sonnet read slowly
# started 2.6 s late (its words were found late). Looking costs the 60-minute speed show about 0.25 s (66 turns).
# When its words are found but not clearly, a turn whose text fits DOUBT_SUM or more better from there is doubted. On
# the short dev and held-out suites under no master and the three (ad-hoc logger), three turns reached it: h-promos
# turn 16 under the podcast and radio masters (8.7 s early on a promo, 0.206 and 0.152; unflagged before) and one
# right start (0.128). An infinite gain (13 starts: the text could not be said from the start at all) came mostly at
# right starts and does not count.
WORDS_EXTRA = 1.5
WORDS_TEXT = 6.0
WORDS_SHIFT = 1.0
WORDS_NEAR = (1.5, 0.6)
WORDS_CLEAR = 0.1
# When the text cannot be said from any of those onsets to the turn's end (over twice its eSpeak time: a sentence
# left out after its words too), the onsets are compared up to WORDS_ROOM times its eSpeak time past its words.
WORDS_ROOM = 1.5
MIN_WORDS = 5  # MFCC frames of eSpeak: fewer are not looked for
STEP = engine.MFCC_STEP
SILENT_C0 = 1.0  # eSpeak's silence is its MFCCs' lowest c0 (log energy); its words are well above it


def trim(
    wav_path: Path, found: SpeechProfile, texts: Sequence[Sequence[str]], times: Sequence[Times | None],
    rendering: engine.Rendering, options: engine.EngineOptions, heads: Mapping[int, Sequence[float]] | None = None,
    recording: np.ndarray | None = None, workers: Workers | None = None,
    next_voice: Callable[[int, float, float], bool] | None = None,
) -> tuple[list[Times | None], set[int], set[int], set[int]]:
    """``times`` (each turn's sentence times, ``texts`` their sentences, all synthesised as ``rendering``) with
    each turn's start moved past a leading sound its text does not fit, and its end back before such a trailing
    sound; a turn whose first (or last) sentence lay all on that sound is aligned again without it. Then a short
    last sound a turn's text does not want is handed to the next turn, or to neither (see HAND_OVER), and one
    alone between two turns may start the next (see _take_loose); a turn spread
    over speech not its own moves onto its words when no turn covers them (see GAP_SPEECH), and a turn whose start
    the turn before took moves back onto its words there (see TAKEN_BACK_FIT). Also the
    turns whose start stayed on a sound their text fits rather better without (see DOUBT_SUM), those whose end
    runs over speech their text fits much better without (see OVERRUN), and the turns after those whose own text
    does not fit where they are (see TAKEN_FIT): their start was taken.

    A turn holding much more speech than its text needs starts where its words are found (see WORDS_EXTRA).

    :param heads: turns whose first sounds are in the previous speaker's voice, with the onsets after them
        (voices.SpeakerChanges.heads): the start moves past them when the text fits better so (HAND_OVER), and they
        go to the previous turn when it ended just before them (SAME_SPEAKER).
    :param recording: the recording's MFCCs (engine.mfcc), if taken: a turn's words are looked for in them.
    :param workers: when they run beside the caller, one of them trims the first half of the turns (see _halfway)
        meanwhile: the hour's trimming took 0.43-0.46 s instead of 0.65-0.70 s (ad-hoc stage timer)."""
    extra = _extra_speech(found, texts, times, rendering)
    heads = heads or {}
    given = (wav_path, found, texts, times, rendering, options, heads, recording, extra)
    cut = _halfway(extra, heads) if workers is not None and workers.parallel else 0
    seconds = sum(t[-1][1] - t[0][0] for t in times[:cut] if _timed(t))
    ahead = workers.submit(trim_turns, (*given, 0, cut), seconds) if workers is not None and cut else None
    out, doubted, handed, overrun, located = trim_turns(*given, cut, len(times))
    if ahead is not None:  # the turns before the cut, trimmed meanwhile
        head, *sets = ahead.result()
        out = head + out
        for mine, theirs in zip((doubted, handed, overrun, located), sets, strict=True):
            mine |= theirs
    tts = rendering.joined([len(t) for t in texts]).spans
    comparer = match.Comparer(wav_path, rendering.wav, found, (recording, rendering.mfcc(STEP)))
    try:
        for i in range(len(out) - 1):
            if not (_timed(out[i]) and _timed(out[i + 1])):
                continue
            if i + 1 not in handed:
                _hand_over(comparer, found, tts[i], tts[i + 1], out[i], out[i + 1], i + 1 in located,
                           functools.partial(next_voice, i) if next_voice else None)
                if texts[i + 1] and quality.SHORT_OPENING.match(texts[i + 1][0]):
                    _take_loose(comparer, found, tts[i + 1], out[i], out[i + 1])
            if extra[i][2] >= PREV_EXTRA and _speech_seconds(found, out[i][-1][1], out[i + 1][0][0]) >= GAP_SPEECH:
                _regain_before_gap(wav_path, found, texts, rendering, options, comparer, tts[i], i, out[i],
                                   out[i + 1][0][0])
        # the turns after one whose last sentence holds IDENT more speech than its text needs (as does every one whose
        # end runs over speech): how well each one's text fits where it is
        spread = {i for i, e in enumerate(extra) if e[1] >= IDENT}
        here = {i + 1: comparer.match(tts[i + 1], (out[i + 1][0][0], out[i + 1][-1][1])) for i in spread
                if i + 1 < len(out) and _timed(out[i + 1])}
        taken = {k for k, fit in here.items() if fit < TAKEN_FIT}
        # the turn before keeps its flag: its start may be as wrong as its end was (ad hoc: two, 2.9 and 5.8 s off);
        # where its end was not seen to run over, the words found must be in the voice of this turn's speaker
        taken -= {k for k in sorted(taken)
                  if _taken_back(wav_path, found, texts, rendering, options, comparer, tts, k, out, here[k],
                                 None if k - 1 in overrun else functools.partial(next_voice or _no_voice, k - 1))}
        taken &= {i + 1 for i in overrun}
    finally:
        comparer.close()
    return out, doubted, overrun, taken


def _timed(turn: Times | None) -> bool:
    """Whether a turn (its lines' times) was aired with every line timed: only such turns are trimmed."""
    return bool(turn) and None not in turn


def _halfway(extra: Sequence[tuple[float, float, float]], heads: Mapping[int, Sequence[float]]) -> int:
    """A turn with about half the turns that look for their words (see WORDS_EXTRA: most of the work) before it, and
    whose first sounds are not tried against the previous voice (heads): the turns before it are trimmed apart
    from the rest, as their trimming never reaches past it."""
    looking = [i for i, e in enumerate(extra) if max(e[0], e[2]) >= WORDS_EXTRA]
    middle = looking[len(looking) // 2] if looking else len(extra) // 2
    return next((k for k in sorted(range(1, len(extra)), key=lambda k: abs(k - middle)) if not heads.get(k)), 0)


def trim_turns(
    wav_path: Path, found: SpeechProfile, texts: Sequence[Sequence[str]], times: Sequence[Times | None],
    rendering: engine.Rendering, options: engine.EngineOptions, heads: Mapping[int, Sequence[float]],
    recording: np.ndarray | None, extra: Sequence[tuple[float, float, float]], first: int, stop: int,
) -> tuple[list[Times | None], set[int], set[int], set[int], set[int]]:
    """:func:`trim`'s edges of turns ``first`` to ``stop`` (not yet handed over): their times, and of them the turns
    doubted, handed back, running over and located."""
    tts = rendering.joined([len(t) for t in texts]).spans
    out = [None if t is None else list(t) for t in times]
    doubted: set[int] = set()
    handed: set[int] = set()  # turns whose first sounds went back to the turn before
    overrun: set[int] = set()
    located: set[int] = set()  # turns whose start was put where their words were found (see WORDS_EXTRA)
    comparer = match.Comparer(wav_path, rendering.wav, found, (recording, rendering.mfcc(STEP)))
    try:
        for i in range(first, stop):
            turn = out[i]
            if not _timed(turn):  # a turn with a cut line is left as it is
                continue
            # the end first: with a sting after the words, the text cannot be spoken over the whole turn, and a start
            # judged first went onto the sting (a turn 3.2 s late in the held-out long show with ads)
            for tail in (True, False):
                fitted = fits(comparer, found, tts[i], turn[0][0], turn[-1][1], tail=tail,
                              sure=extra[i][0] >= IDENT and not tail)
                edge = choose(fitted)
                if edge is None and not tail and heads.get(i):
                    spread = i > 0 and extra[i - 1][1] >= PREV_EXTRA
                    edge = _handed_back(comparer, found, tts[i], turn, out[i - 1] if i else None, heads[i], spread)
                    if edge is not None:
                        handed.add(i)
                        if spread and (words := _words_regained(comparer, found, tts[i - 1], out[i - 1])):
                            _move(wav_path, found, texts, rendering, options, i - 1, out[i - 1], words, False)
                            located.add(i - 1)
                more = max(extra[i][0], extra[i][2])
                looked = _words_fitted(comparer, found, tts[i], turn, more) if not tail and more >= WORDS_EXTRA else []
                if (words := _clear(looked)) is not None:
                    if edge is not None and edge != words:  # the two onsets side by side
                        words = _best(fits(comparer, found, tts[i], turn[0][0], turn[-1][1],
                                           points=sorted([edge, words])))
                    edge = words
                    located.add(i)
                elif edge is None and DOUBT_SUM <= gain(looked) < math.inf:  # its words, found but not clearly
                    doubted.add(i)
                doubtful = fitted if tail else _past_doubt(found, turn[0][0], fitted)
                if edge is None and gain(doubtful) >= DOUBT_SUM:
                    if found.runs_into_music(turn[0][0], turn[-1][1], tail):  # a sting's notes: doubt settled
                        edge = _best(doubtful)
                    elif not tail:
                        doubted.add(i)
                if edge is None and tail and extra[i][1] >= IDENT and _runs_over(comparer, found, tts[i], turn,
                                                                                  fitted):
                    overrun.add(i)
                if edge is not None:
                    _move(wav_path, found, texts, rendering, options, i, turn, edge, tail)
    finally:
        comparer.close()
    return out[first:stop], doubted, handed, overrun, located


def _handed_back(comparer: match.Comparer, found: SpeechProfile, tts: tuple[float, float], turn: list,
                 before: list | None, onsets: Sequence[float], spread: bool) -> float | None:
    """Of ``onsets`` after a turn's first sounds in the previous speaker's voice, the one its text fits best from,
    when it fits better so by HAND_OVER; or, after a turn whose last sentence is ``spread`` over PREV_EXTRA more speech
    than its text needs, the first, when it fits no more than HEAD_LAX worse. Those sounds then end the turn
    ``before`` if it ended at most SAME_SPEAKER before them. ``None``: none."""
    fitted = fits(comparer, found, tts, turn[0][0], turn[-1][1], points=list(onsets))
    point = _fits_better(fitted)
    if point is None and spread and len(fitted) > 1 and _gain(fitted[0], fitted[1]) >= -HEAD_LAX:
        point = fitted[1]
    if point is None:
        return None
    onset = point[0]
    if _timed(before) and turn[0][0] - before[-1][1] <= SAME_SPEAKER:
        before[-1] = (before[-1][0], max(found.pause_start(onset), before[-1][1]))
    return onset


def _words_regained(comparer: match.Comparer, found: SpeechProfile, tts: tuple[float, float], turn: list
                    ) -> float | None:
    """Where a turn spread over speech not its own (PREV_EXTRA), given back its words from the next turn's start
    (:func:`_handed_back`), starts: where they are found in it (:func:`_words_fitted`, past all the speech its text
    does not need). ``None``: its start."""
    return _clear(_words_fitted(comparer, found, tts, turn, turn[-1][1] - turn[0][0] - (tts[1] - tts[0])))


def _taken_back(wav_path: Path, found: SpeechProfile, texts: Sequence[Sequence[str]], rendering: engine.Rendering,
                options: engine.EngineOptions, comparer: match.Comparer, tts: Sequence[tuple[float, float]], k: int,
                out: list, here: float, own_voice: Callable[[float, float], bool] | None = None) -> bool:
    """Whether turn ``k``, whose start the turn before took (TAKEN_FIT; its text fits ``here`` where it is), was
    moved onto its words found in that turn's end (TAKEN_BACK_FIT, TAKEN_BACK_GAIN; with ``own_voice``, only if that
    says the turn before is in turn ``k``'s speaker's voice from there): the turn before then ends before them, and
    turn ``k`` where its text fits best."""
    before, turn = out[k - 1], out[k]
    if not _timed(before):
        return False
    lo = before[0][0] + (tts[k - 1][1] - tts[k - 1][0]) / 2  # the words of the turn before come first
    at = comparer.text_at(tts[k], WORDS_TEXT, lo, turn[0][0] + 1.0)
    if at is None or at > turn[0][0] - WORDS_SHIFT:
        return False
    there = comparer.match_said(tts[k], at, turn[-1][1])
    if there < TAKEN_BACK_FIT or there - here < TAKEN_BACK_GAIN or (own_voice and not own_voice(at, before[-1][1])):
        return False
    _move(wav_path, found, texts, rendering, options, k - 1, before, found.pause_start(at), True)
    _move(wav_path, found, texts, rendering, options, k, turn, at, False)
    limit = at + TAKEN_BACK_SPAN * (tts[k][1] - tts[k][0])  # what lies beyond is what took the turn's place
    if turn[-1][1] > limit and (ends := found.offsets_before(turn[0][0], limit, limit - turn[0][0])):
        _move(wav_path, found, texts, rendering, options, k, turn, ends[0], True)
    _end_trimmed(wav_path, found, texts, rendering, options, comparer, tts[k], k, turn)
    return True


def _no_voice(j: int, start: float, end: float) -> bool:
    """No speaker's voice is known (see voices.SpeakerChanges.next_voice)."""
    return False


def _regain_before_gap(wav_path: Path, found: SpeechProfile, texts: Sequence[Sequence[str]],
                       rendering: engine.Rendering, options: engine.EngineOptions, comparer: match.Comparer,
                       tts: tuple[float, float], i: int, turn: list, until: float) -> None:
    """A turn spread over speech not its own with speech no turn covers after it, up to ``until``: when its words
    are found there, it starts at them and ends where its text fits best."""
    grown = [*turn[:-1], (turn[-1][0], found.pause_start(until))]
    words = _words_regained(comparer, found, tts, grown)
    if words is None or words <= turn[-1][1] - MIN_REST:
        return
    _move(wav_path, found, texts, rendering, options, i, grown, words, False)
    _end_trimmed(wav_path, found, texts, rendering, options, comparer, tts, i, grown)
    turn[:] = grown


def _end_trimmed(wav_path: Path, found: SpeechProfile, texts: Sequence[Sequence[str]], rendering: engine.Rendering,
                 options: engine.EngineOptions, comparer: match.Comparer, tts: tuple[float, float], i: int,
                 turn: list) -> None:
    """Turn ``i``, just moved onto its words, ending where its text fits clearly better up to (:func:`choose`)."""
    edge = choose(fits(comparer, found, tts, turn[0][0], turn[-1][1], tail=True))
    if edge is not None:
        _move(wav_path, found, texts, rendering, options, i, turn, edge, True)


def _move(wav_path: Path, found: SpeechProfile, texts: Sequence[Sequence[str]], rendering: engine.Rendering,
          options: engine.EngineOptions, i: int, turn: list, edge: float, tail: bool) -> None:
    """Turn ``i``'s start (or end, ``tail``) moved to ``edge``: its first (last) line's, or, when that line would
    keep under MIN_REST, all its lines aligned again between its new edges."""
    span = (turn[0][0], edge) if tail else (_start(found, edge, turn[0][0]), turn[-1][1])
    if tail and edge > turn[-1][0] + MIN_REST:
        turn[-1] = (turn[-1][0], edge)
    elif not tail and span[0] < turn[0][1] - MIN_REST:
        turn[0] = (span[0], turn[0][1])
    elif span[1] - span[0] <= windows.LONG_SECONDS:  # a longer turn would need windows
        turn[:] = windows.align_lines(wav_path, found, rendering, texts, [(i, j) for j in range(len(texts[i]))],
                                      options, span)


def _words_fitted(comparer: match.Comparer, found: SpeechProfile, tts: tuple[float, float], turn: list,
                  extra: float) -> list[tuple[float, float, float, float]]:
    """How well the text of a turn holding ``extra`` seconds more speech than it needs fits (:func:`fits`) from its
    start and from each onset near where its words were found (WORDS_NEAR), when that is WORDS_SHIFT or more after
    its start (:func:`_words_at`); empty when they were not found so."""
    start, end = turn[0][0], turn[-1][1]
    at = _words_at(comparer, tts, start, end, extra)
    if at is None or at - start < WORDS_SHIFT:
        return []
    onsets = found.onsets_between(max(start + WORDS_SHIFT / 2, at - WORDS_NEAR[0]),
                                  min(end - MIN_REST, at + WORDS_NEAR[1]))
    fitted = fits(comparer, found, tts, start, end, points=onsets)
    if fitted and not np.isfinite(fitted[-1][1]):  # more speech after its words too: up to where they end
        fitted = fits(comparer, found, tts, start, min(end, at + WORDS_ROOM * (tts[1] - tts[0])), points=onsets)
    return fitted


def _clear(fitted: list[tuple[float, float, float, float]]) -> float | None:
    """Of :func:`_words_fitted`, the onset the text fits best from, when it fits better so by HAND_OVER and clearly
    forwards (WORDS_CLEAR); ``None``: none, and the turn's start stays."""
    point = _fits_better(fitted)
    return point[0] if point is not None and point[2] >= WORDS_CLEAR else None


def _fits_better(fitted: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float] | None:
    """Of :func:`fits` from onsets after a turn's start, the one its text fits best from, when it fits better so
    by HAND_OVER; ``None``: none does."""
    return max(fitted[1:], key=_fitness) if gain(fitted) >= HAND_OVER else None


def _words_at(comparer: match.Comparer, tts: tuple[float, float], start: float, end: float,
              extra: float) -> float | None:
    """Where in the audio from ``start`` the first WORDS_TEXT seconds of a text's rendering ``tts`` are said (its
    best match there, with ``extra`` seconds of other speech before it at most); ``None``: too short to say."""
    _, text = comparer.nearby_mfcc(tts[0], min(tts[1], tts[0] + WORDS_TEXT), tts=True)
    text = match.features(_voiced(text), pool=1)
    if len(text) < MIN_WORDS:
        return None
    return comparer.said_at(text, start, min(end, start + extra + 2 * len(text) * STEP + 1.0))


def _extra_speech(found: SpeechProfile, texts: Sequence[Sequence[str]], times: Sequence[Times | None],
                  rendering: engine.Rendering) -> list[tuple[float, float, float]]:
    """Per turn, how many seconds more speech its first sentence, its last and all of it hold than their texts would
    take at the recording's median pace (voiced seconds per second of eSpeak); 0.0 for a turn with a line not
    timed."""
    first = windows.first_lines(texts)
    pairs = [list(zip(turn, rendering.spans[a:b], strict=True)) if _timed(turn) else []
             for turn, a, b in zip(times, first[:-1], first[1:], strict=True)]

    pace = float(np.median([_speech_seconds(found, *t) / (b - a) for turn in pairs for t, (a, b) in turn
                            if b - a > 1.0] or [1.0]))
    return [(*(_speech_seconds(found, *turn[k][0]) - pace * (turn[k][1][1] - turn[k][1][0]) for k in (0, -1)),
             _speech_seconds(found, turn[0][0][0], turn[-1][0][1]) - pace * (turn[-1][1][1] - turn[0][1][0]))
            if turn else (0.0, 0.0, 0.0) for turn in pairs]


def _speech_seconds(found: SpeechProfile, start: float, end: float) -> float:
    """Seconds of ``[start, end)`` that the VAD calls speech."""
    return found.voiced_fraction(start, end) * (end - start)


def _runs_over(comparer: match.Comparer, found: SpeechProfile, tts: tuple[float, float], turn: list,
               fitted: list[tuple[float, float, float, float]]) -> bool:
    """Whether ``turn``'s text fits OVERRUN better up to an offset before IDENT or more of speech the VAD is sure
    of (offsets :func:`fits` left out of ``fitted``)."""
    start, end = turn[0][0], turn[-1][1]
    tried = {p[0] for p in fitted}
    sure = [t for t in found.offsets_before(start, end, REACH) if t - start >= MIN_REST and end - t >= IDENT
            and t not in tried]
    return bool(sure) and gain(fits(comparer, found, tts, start, end, tail=True, points=sure)) >= OVERRUN


def _hand_over(comparer: match.Comparer, found: SpeechProfile, tts: tuple[float, float],
               tts_next: tuple[float, float], turn: list, after: list, located: bool = False,
               in_next_voice: Callable[[float, float], bool] | None = None) -> None:
    """``turn``'s last sound out of it, when it is short, parted from the rest by a pause, and its text fits better
    without it (HAND_OVER), or no more than VOICED_LAX worse when the sound is in the next speaker's voice
    (``in_next_voice``, from its onset to its end); into the turn ``after`` it, unless that one's text fits better
    without it by both measures or, when its start was put where its words were found (``located``), they are
    found after the sound."""
    offsets = found.offsets_before(turn[0][0], turn[-1][1], REACH)
    if not offsets or offsets[0] < turn[-1][0] + MIN_REST:
        return
    offset = offsets[0]
    onset = found.pause_end(offset)
    if onset - offset < PARTED or turn[-1][1] - onset > SHORT_LAST:
        return
    without = gain(fits(comparer, found, tts, turn[0][0], turn[-1][1], tail=True, points=[offset]))
    if without < HAND_OVER and not (without >= -VOICED_LAX and in_next_voice and in_next_voice(onset, turn[-1][1])):
        return
    sound_end, turn[-1] = turn[-1][1], (turn[-1][0], offset)
    start = after[0][0]
    if not onset < start <= onset + REACH:
        return
    if found.runs_into_music(onset, start):  # a sting's first notes: no one's words
        return
    if _wanted(comparer, found, tts_next, onset, after):
        if located and (at := _words_at(comparer, tts_next, onset, after[-1][1], start - onset)) is not None \
                and at - onset >= WORDS_SHIFT:  # its words start later: the sound is no one's (an ad's last words)
            return
        after[0] = (_start(found, onset, offset), after[0][1])
    elif len(after) == 1 and choose([(start, *comparer.fit(tts_next, (start, after[0][1])), 1.0),
                                     (onset, *comparer.fit(tts_next, (onset, sound_end)), 1.0)]) == onset:
        after[0] = (_start(found, onset, offset), sound_end)  # all of a short next turn is that sound


def _take_loose(comparer: match.Comparer, found: SpeechProfile, tts_next: tuple[float, float], turn: list,
                after: list) -> None:
    """The turn ``after`` ``turn``, whose text opens with a word or two and a stop ("Two.": quality.SHORT_OPENING),
    starts at a short sound alone between them (at most SHORT_LAST, PARTED from both) when its text fits no
    worse with it, by both measures (as :func:`_hand_over` asks): a sonnet's number read alone, which the turn
    before dropped from its end as a blip (SpeechProfile.snap) and the start snapped past."""
    sound = found.last_sound(turn[-1][1], after[0][0])
    if sound is None:
        return
    onset, offset = sound
    if offset - onset > SHORT_LAST or onset - turn[-1][1] < PARTED or after[0][0] - offset < PARTED:
        return
    if _wanted(comparer, found, tts_next, onset, after):
        after[0] = (_start(found, onset, turn[-1][1]), after[0][1])


def _wanted(comparer: match.Comparer, found: SpeechProfile, tts_next: tuple[float, float], onset: float,
            after: list) -> bool:
    """Whether the turn ``after`` a sound from ``onset`` wants it: its text fits better from its own start than
    from the sound by one of match's measures at most."""
    with_it, without = fits(comparer, found, tts_next, onset, after[-1][1], points=[after[0][0]])
    return not min(_better(with_it, without)) > 0


def _start(found: SpeechProfile, onset: float, earliest: float) -> float:
    """Where a turn that now starts at the sound from ``onset`` starts: where that sound rises out of the noise,
    or where its clip's room tone cuts in, not before ``earliest`` (as the aligner's starts, see
    :meth:`SpeechProfile.lead_in`)."""
    return found.lead_in(found.rise(onset), earliest)


def fits(comparer: match.Comparer, found: SpeechProfile, tts: tuple[float, float], start: float, end: float,
         *, tail: bool = False, points: list[float] | None = None, sure: bool = False,
         ) -> list[tuple[float, float, float, float]]:
    """How well a turn's text (the rendering's stretch ``tts``) fits its audio from ``start`` to ``end``, and
    from each onset after a leading sound instead (``tail``: up to each offset before a trailing sound), or from
    (up to) each of ``points``: (time, match.fit's distance, its gain, the VAD's belief in the sound from the edge
    before), the turn's own first.

    The audio runs to COMPARED seconds past the farthest onset (before the farthest offset), and the text as
    far as that point would have it; up to an offset that leaves too little speech for that text (MAX_PACE), it
    cannot be spoken (distance ``inf``). The MFCCs are taken once; the audio played backwards is their frames
    reversed."""
    if points is None and tail:
        points = [t for t in found.offsets_before(start, end, REACH) if t - start >= MIN_REST
                  and found.belief(t, end) < DOUBTED]
    elif points is None:
        points = [t for t in found.onsets_after(start, end, REACH) if end - t >= MIN_REST
                  and (sure and t - start >= IDENT or found.belief(start, t) < DOUBTED)]
    if not points:
        return []
    far, length = points[-1], tts[1] - tts[0]
    if tail:
        lo, hi = max(start, far - COMPARED), end
        text = (tts[1] - length * (far - lo) / (far - start), tts[1])
        spans = [(lo, t) for t in (end, *points)]
    else:
        lo, hi = start, min(end, far + COMPARED)
        text = (tts[0], tts[0] + length * (hi - far) / (end - far))
        spans = [(t, hi) for t in (start, *points)]
    audio = comparer.audio_mfcc(lo, hi)
    keep = comparer.kept(lo, int(round((hi - lo) / FRAME)) + 1)
    keep = keep[np.minimum(np.arange(len(audio)) * int(round(STEP / FRAME)), len(keep) - 1)]
    q = match.features(_voiced(comparer.tts_mfcc(*text)))
    cut = [slice(_frame(a - lo), _frame(b - lo)) for a, b in spans]
    tried = (end if tail else start, *points)
    between = [1.0, *(found.belief(min(a, b), max(a, b)) for a, b in zip(tried, tried[1:], strict=False))]
    too_short = [tail and k > 0 and text[1] - text[0] > MAX_PACE * _speech_seconds(found, a, b)
                 for k, (a, b) in enumerate(spans)]
    return [(t, *((np.inf, 0.0) if short else _fit(q, audio[c][keep[c]])), v)
            for t, c, v, short in zip(tried, cut, between, too_short, strict=True)]


def _past_doubt(found: SpeechProfile, start: float, fitted: list[tuple[float, float, float, float]]
                ) -> list[tuple[float, float, float, float]]:
    """Of :func:`fits` from ``start``, the turn's own start and the onsets after sounds the VAD doubts (see
    DOUBTED): only these may raise a doubt."""
    return fitted[:1] + [p for p in fitted[1:] if found.belief(start, p[0]) < DOUBTED]


def choose(fitted: list[tuple[float, float, float, float]]) -> float | None:
    """Of :func:`fits`, the onset (offset) the text clearly fits better from (up to; see MIN_SUM) than from the
    turn's edge and from any nearer one, and then past any further sound the VAD doubts that it fits no worse
    without (a sting in bursts); ``None``: the edge."""
    best = fitted[0] if fitted else None
    for point in fitted[1:]:
        closer, clearer = _better(best, point)
        if (min(closer, clearer) >= MIN_EACH and closer + clearer >= MIN_SUM
                or best is not fitted[0] and point[3] < DOUBTED and min(closer, clearer) >= 0):
            best = point
    return best[0] if best and best is not fitted[0] else None


def gain(fitted: list[tuple[float, float, float, float]]) -> float:
    """Of :func:`fits`, how much better the text fits from the best other edge: the distance's fall plus the
    backwards gain's rise (0.0 when there is none)."""
    return max((_gain(fitted[0], p) for p in fitted[1:]), default=0.0)


def _best(fitted: list[tuple[float, float, float, float]]) -> float:
    """Of :func:`fits`, the other edge the text fits best from (see :func:`gain`; and so when it cannot be spoken
    from the turn's own edge)."""
    return max(fitted[1:], key=_fitness)[0]


def _fitness(point: tuple[float, float, float, float]) -> float:
    """How well a text fits from (up to) a point of :func:`fits`: its backwards gain less its distance, which orders
    points as :func:`_gain` from one base does (``-inf``: it cannot be spoken from there)."""
    return point[2] - point[1] if np.isfinite(point[1]) else -np.inf


def _gain(base: tuple[float, float, float, float], point: tuple[float, float, float, float]) -> float:
    if not np.isfinite(point[1]):  # the text cannot be spoken from (up to) there: no better edge, whatever the base
        return -np.inf
    return sum(_better(base, point))


def _better(base: tuple[float, float, float, float], point: tuple[float, float, float, float]) -> tuple[float, float]:
    """How much better a text fits from (up to) ``point`` than from ``base`` (both of :func:`fits`): the DTW
    distance's fall and the backwards gain's rise."""
    return base[1] - point[1], point[2] - base[2]


def _voiced(mfcc: np.ndarray) -> np.ndarray:
    """eSpeak's MFCCs without the silence before and after the words: a text that starts with silence fits
    audio that does, such as a blip and a pause, better than its words."""
    voiced = np.flatnonzero(mfcc[:, 0] > mfcc[:, 0].min() + SILENT_C0) if len(mfcc) else []
    return mfcc[voiced[0]:voiced[-1] + 1] if len(voiced) else mfcc


def _frame(seconds: float) -> int:
    return int(round(seconds / STEP))


def _fit(text: np.ndarray, audio: np.ndarray) -> tuple[float, float]:
    return match.fit(text, match.features(audio), match.features(audio[::-1]))
