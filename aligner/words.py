"""Word times inside aligned sentences (``--level word``): aeneas again, one word per fragment.

The sentence times are already known, so each sentence is aligned again on its own audio, one word per
fragment, and its words are kept inside it. Aligning several sentences per run is faster but lets the
words drift across sentence edges: p95 word-start error 697 ms for 60 s runs against 407 ms per sentence
(bench/accuracy.py --level word --cases clean1,clean3,noise15,mp3_48k).

A word is a display token (``"$5,"`` stays one word on screen) read as the TTS would read it; tokens with
nothing to say (a dash, an inline cue) join the word before.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from . import engine
from .models import Segment, ms
from .splice import splice
from .text import speech

PAD = 0.3  # seconds of audio kept either side of a sentence
# Words are short: their MFCCs are taken every 10 ms over 25 ms (aeneas's default: 40 over 100) and compared
# mean-normalised (EngineOptions.mean_normalised). On TIMIT's hand-labelled words (bench/accuracy.py --level word):
# p95 start error 477 ms at 20 over 100 ms as they are, 425 ms at 10 over 25, 313 ms also normalised.
WORD_STEP = 0.010
WORD_WINDOW = 0.025
WORD_MARGIN = 10.0  # DTW band, s: a sentence's words keep close to its diagonal, and a minute-long one stays ~200 MB


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
    words = {}
    for k, (sentence, ws) in enumerate(todo, start=1):
        words[sentence.id] = _align_sentence(wav_path, sentence, ws, options)
        progress(k / len(todo))
    return [
        replace(s, children=tuple(replace(c, children=words.get(c.id, ())) for c in s.children))
        if s.kind == "turn" else s
        for s in segments
    ]


def _align_sentence(wav_path: Path, sentence: Segment, ws: list[tuple[str, str]],
                    options: engine.EngineOptions) -> tuple[Segment, ...]:
    with tempfile.TemporaryDirectory(prefix="seekline-words-") as work:
        cut = Path(work) / "sentence.wav"
        timemap = splice(wav_path, [(max(0.0, sentence.start - PAD), sentence.end + PAD)], cut)
        raw = engine.align_fragments(cut, [said for _, said in ws], replace(
            options, frame_step=WORD_STEP, frame_window=WORD_WINDOW, dtw_margin=WORD_MARGIN, mean_normalised=True))
    floor, items = sentence.start, []
    for k, ((shown, _), (a, b)) in enumerate(zip(ws, raw, strict=True), start=1):
        start = min(max(timemap.to_source(a), floor), sentence.end)
        end = min(max(timemap.to_source(b, is_end=True), start), sentence.end)
        items.append(Segment(id=f"{sentence.id}.w{k}", kind="word", text=shown, start=ms(start), end=ms(end)))
        floor = end
    return tuple(items)
