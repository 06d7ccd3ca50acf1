"""Word times inside aligned sentences (``--level word``): aeneas again, one word per fragment.

The sentence times are already known, so each sentence is aligned again on its own audio, one word per
fragment, and its words are kept inside it. Aligning several sentences per run is faster but lets the
words drift across sentence edges: p95 word-start error 697 ms for 60 s runs against 407 ms per sentence
(bench/accuracy.py --level word --cases clean1,clean3,noise15,mp3_48k).

A word is a display token (``"$5,"`` stays one word on screen) read as the TTS would read it; tokens with
nothing to say (a dash, an inline cue) join the word before.
"""

from __future__ import annotations

import itertools
import math
import os
import tempfile
import wave
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import engine
from .audio import SAMPLE_RATE
from .models import Segment, ms
from .speech import FRAME, SOFT_DB, frame_energy, mask_runs, noise_floor
from .splice import splice
from .text import speech
from .workers import Workers

PAD = 0.3  # seconds of audio kept either side of a sentence
WORD_STEP = 0.020  # MFCC step for words, s (half aeneas's default: words are short)
SOUND_DB = 35.0  # a word eSpeak spoke is its 10 ms frames within this of its loudest...
LEAD = 0.010  # ...from this long before the first
PAUSE = 0.12  # silence this long or more parts two words (a stop's closure is shorter)
SHORTEST = 0.08  # less sound than this before a pause is the end of the word before it, not a word
PARALLEL_MIN = 20  # sentences: fewer are timed in this process alone (a worker takes ~0.5 s to start)


def split_words(text: str) -> list[tuple[str, str]]:
    """``(display, spoken)`` per word of ``text``; unspoken tokens join the word before (or after, at the start)."""
    out: list[list[str]] = []
    pending = ""
    for token in text.split():
        said = speech(token)
        if not any(c.isalnum() for c in said):
            if out:
                out[-1][0] += " " + token
            else:
                pending += token + " "
            continue
        out.append([pending + token, said])
        pending = ""
    return [(shown, said) for shown, said in out]


def add_words(wav_path: Path, segments: list[Segment], options: engine.EngineOptions,
              progress: Callable[[float], None] = lambda f: None) -> list[Segment]:
    """``segments`` with word children under every timed sentence; ``progress`` gets the share done."""
    todo = [(c, ws) for s in segments if s.kind == "turn" for c in s.children
            if c.start is not None and c.end is not None and c.end > c.start and (ws := split_words(c.text))]
    # the first half in a worker process, beside this one, when there are cores and sentences enough
    cut = len(todo) // 2 if len(todo) >= PARALLEL_MIN and (os.cpu_count() or 1) > 1 else 0
    with Workers(1 if cut else 0) as pool:
        ahead = pool.submit(_align_sentences, (wav_path, todo[:cut], options),
                            sum(c.end - c.start for c, _ in todo[:cut])) if cut else None
        words = _align_sentences(wav_path, todo[cut:], options, progress)
        if ahead is not None:
            words |= ahead.result()
    return [
        replace(s, children=tuple(replace(c, children=words.get(c.id, ())) for c in s.children))
        if s.kind == "turn" else s
        for s in segments
    ]


def _align_sentences(wav_path: Path, todo: list[tuple[Segment, list[tuple[str, str]]]], options: engine.EngineOptions,
                     progress: Callable[[float], None] = lambda f: None) -> dict[str, tuple[Segment, ...]]:
    """The words of each sentence of ``todo`` (with its ``(display, spoken)`` words), by sentence id."""
    words = {}
    for k, (sentence, ws) in enumerate(todo, start=1):
        words[sentence.id] = _align_sentence(wav_path, sentence, ws, options)
        progress(k / len(todo))
    return words


def _align_sentence(wav_path: Path, sentence: Segment, ws: list[tuple[str, str]],
                    options: engine.EngineOptions) -> tuple[Segment, ...]:
    with tempfile.TemporaryDirectory(prefix="seekline-words-") as work:
        cut = Path(work) / "sentence.wav"
        timemap = splice(wav_path, [(max(0.0, sentence.start - PAD), sentence.end + PAD)], cut)
        said = [said for _, said in ws]
        spoken = engine.render(said, Path(work) / "tts.wav", options.language)
        rendering = _sounds_only(spoken, Path(work) / "words.wav")
        raw = engine.align_fragments(cut, said, replace(options, frame_step=WORD_STEP, mean_normalised=True), rendering)
        raw = _past_pauses(cut, raw)
    floor, items = sentence.start, []
    for k, ((shown, _), (a, b)) in enumerate(zip(ws, raw, strict=True), start=1):
        start = min(max(timemap.to_source(a), floor), sentence.end)
        end = min(max(timemap.to_source(b, is_end=True), start), sentence.end)
        items.append(Segment(id=f"{sentence.id}.w{k}", kind="word", text=shown, start=ms(start), end=ms(end)))
        floor = end
    return tuple(items)


def _past_pauses(cut: Path, times: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """``times`` of the words in the sentence ``cut``, each word after the first that starts in PAUSE or more of
    silence (or SHORTEST before it) starting after it, and the word before ending where it begins: eSpeak's words,
    cut to their sounds, have no pause to match one the speaker made, and aeneas gives it to the word after it.
    Silence is SOFT_DB or less over the sentence's quiet level."""
    db = frame_energy(cut)
    quiet = db <= noise_floor(db) + SOFT_DB
    pauses = [(i * FRAME, j * FRAME) for i, j in mask_runs(quiet) if (j - i) * FRAME >= PAUSE]
    out = [list(t) for t in times]
    for before, word in itertools.pairwise(out):
        pause = next(((a, b) for a, b in pauses if a - SHORTEST <= word[0] < b < word[1]), None)
        if pause is not None:
            before[1], word[0] = max(before[0], pause[0]), pause[1]
    return [(a, b) for a, b in out]


def _sounds_only(rendering: engine.Rendering, out: Path) -> engine.Rendering:
    """``rendering`` with each word cut to its sound, written to ``out``: eSpeak ends every word it speaks alone
    with ~0.29 s of silence, which a sentence spoken through does not have (measured)."""
    db = frame_energy(rendering.wav)
    with wave.open(str(rendering.wav), "rb") as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    parts, spans, at = [], [], 0.0
    for a, b in rendering.spans:
        i, j = math.ceil(a / FRAME), math.floor(b / FRAME)  # its frames, none shared with the next word
        if j > i:
            loud = np.flatnonzero(db[i:j] > db[i:j].max() - SOUND_DB)
            a, b = max(a, (i + loud[0]) * FRAME - LEAD), min(b, (i + loud[-1] + 1) * FRAME)
        parts.append(x[round(a * SAMPLE_RATE):round(b * SAMPLE_RATE)])
        spans.append((at, at + len(parts[-1]) / SAMPLE_RATE))
        at = spans[-1][1]
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(np.concatenate(parts).tobytes())
    return engine.Rendering(out, tuple(spans))
