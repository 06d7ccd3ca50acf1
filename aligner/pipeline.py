"""The alignment pipeline: decode once, find the speech, align the sentences, check them, build the sync map."""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from . import audio, edges, engine, locate, match, quality, speech, unaired, untranscribed, voices, windows, words
from .errors import AlignmentError
from .models import LEVELS, Coverage, Cue, Segment, SyncMap, Transcript, Turn, ms
from .workers import Workers

Progress = Callable[[str, float], None]

# Even fast newsreaders stay under ~20 characters a second; more than this cannot all have been spoken.
MAX_CHARS_PER_SECOND = 40.0
WORDS_SHARE = 0.5  # at word level, the share of the "align" stage spent before the words
MIN_NONSPEECH = 0.5  # seconds of music, silence or untranscribed speech left between turns worth a segment
DOUBT_BELOW = 0.7  # breaks not yet found are looked for around turns with less confidence than this
# aeneas's MFCCs take the log of each mel band's power at least 1e-5 (-50 dB), so the pauses of a recording whose
# noise floor is below that look like eSpeak's digital silence; mastered for podcast or radio (compressed, loud),
# its pauses sit 10-20 dB above it with a spectrum of their own, and the DTW stretches sentences across them. Such a
# recording is aligned from a copy attenuated to this floor (measured: see aligner/README.md, "Level")...
QUIET_FLOOR_DB = -50.0
# ...but no further than puts its loud frames (the 90th percentile) here: plain studio speech's are at -18 to -23 dB
# (the benches' audio); a noisy recording brought down to the floor has its quieter words clamped as well (held-out
# noise15 mastered for podcast: 2 turns more than 1 s off, none without this bound or without levelling).
SPEECH_LEVEL_DB = -24.0
# ...and only when that is at least this far: a few dB move little, and the tests' eSpeak shows (white noise at
# -45 dB, 5 dB to go) lost turn starts and breaks at every target tried, as plain noise15 (2.9 dB) lost a little in
# bench/cut_lines.py
MIN_ATTENUATION_DB = 6.0


def _no_progress(stage: str, fraction: float) -> None:
    pass


def _one_blas_thread(f: Callable[..., SyncMap]) -> Callable[..., SyncMap]:
    """``f`` with numpy's BLAS on one thread: the parallelism is ours (the VAD's threads, the window worker
    processes), and BLAS's own threads only fight it (the hour: 16 instead of 20 CPU-seconds, measured)."""
    @functools.wraps(f)
    def run(*args: Any, **kwargs: Any) -> SyncMap:
        with threadpool_limits(1, user_api="blas"):
            return f(*args, **kwargs)

    return run


def _scaled(progress: Progress, stage: str, share: float) -> Progress:
    """``progress`` with ``stage``'s fractions scaled into its first ``share``."""
    return lambda name, fraction: progress(name, fraction * share if name == stage else fraction)


@contextlib.contextmanager
def _levelled(wav: Path, recorded: speech.SpeechProfile) -> Iterator[Path]:
    """``wav``, or when its noise floor is well above QUIET_FLOOR_DB, a temporary copy attenuated towards it, but
    not so far that the 90th percentile of its frame levels falls below SPEECH_LEVEL_DB."""
    loud = float(np.percentile(recorded.db, 90)) if recorded.db.size else SPEECH_LEVEL_DB
    gain = max(QUIET_FLOOR_DB - recorded.floor, SPEECH_LEVEL_DB - loud)
    if gain > -MIN_ATTENUATION_DB:
        yield wav
        return
    with tempfile.TemporaryDirectory(prefix="seekline-level-") as tmp:
        yield audio.attenuated(wav, Path(tmp) / "levelled.wav", gain)


def _check_fits(transcript: Transcript, duration: float) -> None:
    chars = sum(len(s.speech) for t in transcript.turns for s in t.sentences if s.speakable)
    if chars == 0:
        raise AlignmentError("the transcript has no speakable words; check that the right file was given")
    if chars / duration > MAX_CHARS_PER_SECOND:
        raise AlignmentError(
            f"the audio is {duration:.1f} s long but the transcript has {chars} characters of speech, "
            "more than could be spoken in that time; check that the audio and transcript belong together"
        )


def _aligned_turn(turn: Turn, times: unaired.Times | None) -> Segment:
    """A turn segment from the times of its speakable sentences (``None``: the turn was not aired; a ``None``
    among them: that sentence was not, and it gets zero length where the sentence before it ends)."""
    pending = iter(times or ())
    timed = [t for t in times or () if t]
    placed = timed[0][0] if timed else None
    children = []
    for k, sentence in enumerate(turn.sentences, start=1):
        start = end = None
        flags: tuple[str, ...] = ()
        if times and sentence.speakable:
            got = next(pending)
            if got is None:
                start = end = placed
                flags = ("not_in_audio",)
            else:
                start, end = got
                placed = end
        children.append(Segment(id=f"{turn.id}.s{k}", kind="sentence", text=sentence.text,
                                start=ms(start), end=ms(end), flags=flags))
    if not times:  # placed later, between its neighbours, with zero length
        flags = ("not_in_audio",) if turn.speakable else ("not_aligned",)
        return Segment(id=turn.id, kind="turn", text=turn.text, start=None, end=None, speaker=turn.speaker,
                       flags=(*turn.flags, *flags), children=tuple(children))
    return Segment(id=turn.id, kind="turn", text=turn.text, start=ms(timed[0][0]),
                   end=ms(timed[-1][1]), speaker=turn.speaker, flags=turn.flags, children=tuple(children))


def _fill_gaps(segments: list[Segment], duration: float) -> list[Segment]:
    """Place cues (and unaligned turns) in the gap between their aligned neighbours."""
    out: list[Segment] = []
    for i, seg in enumerate(segments):
        if seg.start is None:
            prev_end = next((s.end for s in reversed(out) if s.end is not None), 0.0)
            next_start = next((s.start for s in segments[i + 1:] if s.start is not None), duration)
            start, end = prev_end, max(prev_end, next_start)
            if seg.kind == "turn":
                start = end = prev_end
            seg = Segment(id=seg.id, kind=seg.kind, text=seg.text, start=ms(start), end=ms(end),
                          speaker=seg.speaker, confidence=seg.confidence, flags=seg.flags, children=seg.children)
        out.append(seg)
    return out


def _with_nonspeech(segments: list[Segment], found: speech.SpeechProfile,
                    holes: Sequence[tuple[float, float]] = ()) -> list[Segment]:
    """Insert the speech the transcript does not have (``holes``), and music and silence segments where neither a
    cue nor such speech already covers them, by time."""
    covers = [*((s.start, s.end) for s in segments if s.kind == "cue"), *holes]
    found_kinds = [(start, end, kind) for start, end, kind in speech.nonspeech(found)
                   if sum(max(0.0, min(end, b) - max(start, a)) for a, b in covers) < 0.5 * (end - start)]
    extra: list[Segment] = []
    for start, end, kind in sorted([*found_kinds, *((a, b, "untranscribed") for a, b in holes)]):
        n = sum(1 for e in extra if e.kind == kind) + 1
        text = "(NOT IN THE TRANSCRIPT)" if kind == "untranscribed" else f"({kind.upper()})"
        extra.append(Segment(id=f"{kind[0]}{n}", kind=kind, text=text, start=ms(start), end=ms(end)))
    out: list[Segment] = []
    pending = iter(extra)
    nxt = next(pending, None)
    for seg in segments:
        while nxt is not None and seg.start is not None and nxt.start < seg.start:
            if min(nxt.end, seg.start) - nxt.start >= MIN_NONSPEECH:  # what a turn over it leaves of it
                out.append(replace(nxt, end=min(nxt.end, seg.start)))
            nxt = next(pending, None)
        out.append(seg)
    out += [nxt, *pending] if nxt is not None else []
    return out


def _build(transcript: Transcript, times: Sequence[unaired.Times | None]) -> list[Segment]:
    """Turn and cue segments in transcript order, from each speakable turn's sentence times (in order)."""
    by_id = dict(zip((t.id for t in transcript.turns if t.speakable), times, strict=True))
    return [
        Segment(id=item.id, kind="cue", text=item.text, start=None, end=None) if isinstance(item, Cue)
        else _aligned_turn(item, by_id.get(item.id))
        for item in transcript.segments
    ]


def _per_turn(flat: list[tuple[float, float]], texts: list[list[str]]) -> list[list[tuple[float, float]]]:
    """The times of all the lines of ``texts``, in order, cut into each turn's."""
    return [flat[a:b] for a, b in itertools.pairwise(windows.first_lines(texts))]


def _past_music_hit(turn: Turn, times: unaired.Times | None, found: speech.SpeechProfile) -> unaired.Times | None:
    """A turn's sentence times, its start moved past a music hit taken for its first word.

    That is a short sound the VAD doubts, then a pause (see quality.after_music_hit). On the benches, each of
    the 13 such starts was a sting, 2.6-8.7 s early; the next sound was the first word (measured with an ad-hoc
    script).
    """
    first = next((k for k, t in enumerate(times or ()) if t), None)
    if first is None:
        return times
    start, end = times[first][0], next(t for t in reversed(times) if t)[1]
    after = quality.after_music_hit(turn.text, found, start, end)
    if after is None or after >= times[first][1]:
        return times
    return [*times[:first], (after, times[first][1]), *times[first + 1:]]


def _where(
    wav: Path, texts: list[list[str]], recorded: speech.SpeechProfile, rendering: engine.Rendering,
    by_turn: engine.Rendering, mfcc: Callable[[], np.ndarray],
) -> tuple[list[tuple[float, float]], speech.SpeechProfile, locate.Coverage | None]:
    """Where the text is in the recording: the speech inside it the text does not have (an ad), the speech profile
    to align with (that speech left out, as if it were music), and the span the text covers when the recording
    holds more (a story inside a newscast). ``by_turn``: ``rendering`` with one text per turn."""
    flat = [s for t in texts for s in t]
    holes = [] if windows.is_long(recorded) else untranscribed.find(wav, texts, recorded, rendering, mfcc)
    around = locate.locate(wav, flat, recorded, rendering, mfcc)
    if around is not None:  # a first or last turn said just outside the span widens it (an ident in a short show)
        around = locate.widened(wav, recorded, by_turn, around, mfcc())
    if not holes:
        return [], recorded, around
    # An ad can make a show look like a story (`around`). The breaks stand when the text fills the rest of the
    # recording and they lie (mostly) inside any story found. Else the text is a story with other speech around
    # it, and the chain may have put a turn on that speech and jumped (cut_lines.py --turns, case snug), or part
    # of the text on a repeat of it (case story: 94 s of the story).
    found = recorded.without(holes)
    if locate.locate(wav, flat, found, rendering, mfcc) is None and (
            around is None or all(2 * (min(b, around.end) - max(a, around.start)) >= b - a for a, b in holes)):
        return holes, found, None
    return [], recorded, around


def _breaks_near(
    wav: Path, found: speech.SpeechProfile, texts: list[list[str]], per_turn: list[list[tuple[float, float]]],
    doubtful: Sequence[int], rendering: engine.Rendering, span: tuple[float, float], mfcc: np.ndarray,
) -> list[tuple[float, float]]:
    """The speech the text does not have near the ``doubtful`` turns (``per_turn``: each turn's sentence times):
    looked for between the turns around each run of them. An ad the alignment absorbed leaves turns near it in
    doubt; a long recording is searched only there (all through, an hour would take 14 s)."""
    runs: list[list[int]] = []  # turns within AROUND of a doubtful one, [first, stop), a window long at most
    for k in doubtful:
        a, z = max(0, k - untranscribed.AROUND), min(len(texts), k + untranscribed.AROUND + 1)
        if runs and a <= runs[-1][1] and per_turn[z - 1][-1][1] - per_turn[runs[-1][0]][0][0] <= windows.WINDOW_SECONDS:
            runs[-1][1] = z
        else:
            runs.append([a, z])
    first = windows.first_lines(texts)
    holes: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="seekline-breaks-") as tmp:
        for a, z in runs:
            lo = per_turn[a - 1][-1][1] if a else span[0]
            hi = per_turn[z][0][0] if z < len(texts) else span[1]
            part = windows.excerpt(rendering, range(first[a], first[z]), Path(tmp) / f"tts-{a}.wav")
            holes += untranscribed.find(wav, texts[a:z], found, part, lambda: mfcc, (lo, hi), (a > 0, z < len(texts)))
    return untranscribed.merge(holes)


def _speech(transcript: Transcript) -> list[list[str]]:
    """What is spoken of each speakable turn: its speakable sentences' TTS texts."""
    return [[s.speech for s in t.sentences if s.speakable] for t in transcript.turns if t.speakable]


def render(transcript: Transcript, out_wav: Path, language: str = "eng") -> engine.Rendering:
    """Synthesise every spoken sentence of ``transcript`` once, for :func:`align_wav`."""
    return engine.render([s for turn in _speech(transcript) for s in turn], out_wav, language)


def _speak(transcript: Transcript, out_wav: Path, options: engine.EngineOptions, long: bool) -> engine.Rendering:
    """:func:`render`, and for a ``long`` recording also the MFCCs its coarse pass and its windows take of the
    rendering."""
    rendering = render(transcript, out_wav, options.language)
    if long:
        rendering = engine.with_mfcc(engine.with_mfcc(rendering, windows.coarse_options(options)), options)
    return rendering


class _Judged(NamedTuple):
    """What :func:`_judge` makes of one alignment of the turns."""

    segments: list[Segment]  # with their confidences and flags
    checked: list[unaired.Times | None]  # each speakable turn's sentence times, checked
    fit: float | None  # the transcript's fit to the recording (match.transcript_fit)
    mismatch: bool  # the transcript is not what the recording says


def _judge(
    wav: Path, transcript: Transcript, texts: list[list[str]], found: speech.SpeechProfile,
    per_turn: list[list[tuple[float, float]]], rendering: engine.Rendering, options: engine.EngineOptions,
    span: tuple[float, float] | None, mfcc: Callable[[], np.ndarray], pool: Workers,
) -> _Judged:
    """The speakable turns aligned at ``per_turn`` (with the speech profile ``found``) checked: the transcript's fit,
    text not aired, the turns' edges and voices; and every segment's confidence and flags.

    :param mfcc: gives the recording's MFCCs (taken once, if at all).
    """
    spoken = [t for t in transcript.turns if t.speakable]
    by_turn = rendering.joined([len(t) for t in texts])
    # the transcript is checked first: text that is not what the recording says would send every turn and line to
    # the unaired tests (5x the time on a 45-minute show), to be flagged as a mismatch all the same
    index = {t.id: k for k, t in enumerate(spoken)}
    fit = match.transcript_fit(wav, _build(transcript, per_turn), index, by_turn, found)
    recheck = fit is not None and match.RECHECK_MATCH <= fit < match.MIN_MATCH
    mismatch = fit is not None and fit < match.MIN_MATCH and not recheck
    frames = None if mismatch else mfcc()
    aired = per_turn if mismatch else unaired.find_unaired(wav, found, spoken, texts, per_turn, options, rendering,
                                                           span, frames)
    checked = [_past_music_hit(t, c, found) for t, c in zip(spoken, aired, strict=True)]
    misfit: set[int] = set()
    overrun: set[int] = set()
    taken: set[int] = set()
    if not mismatch:
        changes = voices.SpeakerChanges(checked, spoken, found, frames)
        checked, misfit, overrun, taken = edges.trim(wav, found, texts, checked, rendering, options, changes.heads(),
                                                     frames, pool, changes.next_voice)
    segments = _build(transcript, checked)
    if recheck:  # a fit just short of MIN_MATCH: measured again on the turns checked
        fit = match.transcript_fit(wav, segments, index, by_turn, found)
        mismatch = fit is None or fit < match.MIN_MATCH
    heard = voices.Heard(set(), set()) if mismatch else voices.heard([s for s in segments if s.kind == "turn"],
                                                                       found, frames)
    segments = quality.assess(segments, found, {spoken[i].id for i in misfit}, heard.mismatched,
                              heard.start_taken | {spoken[i].id for i in taken}, {spoken[i].id for i in overrun})
    return _Judged(quality.mismatched(segments) if mismatch else segments, checked, fit, mismatch)


@_one_blas_thread
def align_wav(
    wav_path: str | os.PathLike[str],
    duration: float,
    transcript: Transcript,
    *,
    options: engine.EngineOptions | None = None,
    progress: Progress = _no_progress,
    level: str = "sentence",
    rendering: engine.Rendering | Future[engine.Rendering] | None = None,
) -> SyncMap:
    """Align ``transcript`` to an already decoded mono 16 kHz WAV (``level="word"`` adds word times).

    :param rendering: the transcript's speech already synthesised (see :func:`render`), or being synthesised: it
        is waited for once the speech profile is done; by default it is synthesised here.
    """
    if level not in LEVELS:
        raise AlignmentError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    _check_fits(transcript, duration)
    options = options or engine.EngineOptions()
    if rendering is None:
        with tempfile.TemporaryDirectory(prefix="seekline-tts-") as tmp:
            return align_wav(wav_path, duration, transcript, options=options, progress=progress, level=level,
                             rendering=render(transcript, Path(tmp) / "tts.wav", options.language))
    report = progress
    if level == "word":  # the words take about as long again: the sentences are the first part of "align"
        progress = _scaled(report, "align", WORDS_SHARE)
    wav = Path(wav_path)
    progress("analyse", 0.0)
    recorded = speech.profile(wav)
    with _levelled(wav, recorded) as wav:  # the profile keeps the recording's own levels
        if isinstance(rendering, Future):
            rendering = rendering.result()
        progress("align", 0.0)
        spoken = [t for t in transcript.turns if t.speakable]
        texts = _speech(transcript)
        recording_mfcc = functools.cache(functools.partial(engine.mfcc, wav))  # taken once, if at all
        by_turn = rendering.joined([len(t) for t in texts])
        holes, found, located = _where(wav, texts, recorded, rendering, by_turn, recording_mfcc)
        span = (located.start, located.end) if located else None
        # worker processes for a long recording's windows, kept for its turns' edges: they are ready, and warm
        with Workers(windows.workers_for(found, texts, span)) as pool:
            flat, mfcc = windows.align_sentences(wav, found, texts, options, span, rendering=rendering, workers=pool,
                                                 progress=lambda f: progress("align", 0.8 * f))
            progress("align", 0.8)
            per_turn = _per_turn(flat, texts)

            def again(holes: list[tuple[float, float]], share: float
                      ) -> tuple[speech.SpeechProfile, list[list[tuple[float, float]]]]:
                """The speech profile with ``holes`` left out as music is, and the turns aligned again with it (the
                windows' bounds move with them)."""
                found = recorded.without(holes)
                flat, _ = windows.align_sentences(wav, found, texts, options, span, rendering=rendering, mfcc=mfcc,
                                                  progress=lambda f: progress("align", share + 0.05 * f), workers=pool)
                return found, _per_turn(flat, texts)

            # Aligned in windows, with no search for breaks, or in one pass, with a search that misses breaks among
            # short turns (their chunks match weakly): look near the turns in doubt for breaks not yet found.
            frames = (lambda: mfcc) if mfcc is not None else recording_mfcc
            assessed = quality.assess(_build(transcript, per_turn), found)
            confidence = {s.id: s.confidence or 0.0 for s in assessed if s.kind == "turn"}
            doubtful = [k for k, t in enumerate(spoken) if confidence.get(t.id, 0.0) < DOUBT_BELOW]
            near = [h for h in _breaks_near(wav, found, texts, per_turn, doubtful, rendering,
                                            span or (0.0, found.duration), frames())
                    if not any(a < h[1] and h[0] < b for a, b in holes)]
            if near:
                holes = untranscribed.merge([*holes, *near])
                found, per_turn = again(holes, 0.8)
            if holes:  # a break that holds a turn's words is the text's own speech
                held = untranscribed.holding_text(wav, holes, [(t[0][0], t[-1][1]) for t in per_turn], by_turn,
                                                  recorded, frames())
                if held:
                    holes = [h for h in holes if h not in held]
                    found, per_turn = again(holes, 0.85)
            judged = _judge(wav, transcript, texts, found, per_turn, rendering, options, span, frames, pool)
            if mfcc is None and holes:  # breaks the search through the whole recording found: or the text's own speech?
                # The alignment without them, or without one of them, may say so: one false break among true ones
                # (bench/seeds.py --recipe ads) had cost the true ones too.
                fewer = [[], *([h for h in holes if h != x] for x in holes)] if len(holes) > 1 else [[]]
                best = quality.overall(judged.segments).confidence
                for kept in fewer:
                    other = _judge(wav, transcript, texts, *again(kept, 0.9), rendering, options, span, frames, pool)
                    if (score := quality.overall(other.segments).confidence) > best:
                        judged, holes, best = other, kept, score
        progress("align", 0.95)
        segments, checked, fit = judged.segments, judged.checked, judged.fit
        if level == "word" and not judged.mismatch:
            segments = words.add_words(wav, segments, options,
                                       progress=lambda f: report("align", WORDS_SHARE + (1 - WORDS_SHARE) * f))
        timed = [t for c in checked if c for t in c if t]
        if span:
            coverage = Coverage(*span, located=True)
        else:
            coverage = Coverage(timed[0][0], timed[-1][1]) if timed else None
        report("align", 1.0)
        return SyncMap(
            duration=ms(duration),
            speakers=transcript.speakers,
            segments=tuple(_with_nonspeech(_fill_gaps(segments, duration), recorded, holes)),
            title=transcript.title,
            coverage=coverage,
            quality=quality.overall(segments, fit),
        )


@_one_blas_thread
def align(
    audio_path: str | os.PathLike[str],
    transcript: Transcript,
    *,
    options: engine.EngineOptions | None = None,
    progress: Progress | None = None,
    level: str = "sentence",
    wav_path: str | os.PathLike[str] | None = None,
) -> SyncMap:
    """Align ``transcript`` to the audio file at ``audio_path`` and return the sync map.

    :param progress: called with ``(stage, fraction)`` as the work goes on.
    :param level: ``"sentence"`` (turns and their sentences) or ``"word"`` (and the words of each sentence).
    :param wav_path: where to leave the decoded 16 kHz mono WAV for the caller; by default it is temporary.
    :raises AudioError: when the audio cannot be read.
    :raises AlignmentError: when the text cannot fit the audio or aeneas fails.
    """
    progress = progress or _no_progress
    progress("probe", 0.0)
    probed = audio.probe(audio_path)
    if not transcript.turns:
        raise AlignmentError("the transcript has no speaker turns to align; check that the right file was given")
    _check_fits(transcript, probed.duration)  # before eSpeak speaks it all
    options = options or engine.EngineOptions()
    with tempfile.TemporaryDirectory(prefix="seekline-") as tmp, ThreadPoolExecutor(1) as pool:
        # eSpeak needs only the text: it speaks it while ffmpeg decodes and the speech profile is taken
        speaking = pool.submit(_speak, transcript, Path(tmp) / "tts.wav", options,
                               probed.duration > windows.LONG_SECONDS)
        progress("decode", 0.0)
        wav = Path(wav_path) if wav_path is not None else Path(tmp) / "audio.wav"
        info = audio.decode(audio_path, wav, probed)
        progress("decode", 1.0)
        result = align_wav(wav, info.duration, transcript, options=options, progress=progress, level=level,
                           rendering=speaking)
    progress("done", 1.0)
    return result
