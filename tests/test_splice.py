"""Splicing non-speech out of a WAV and mapping the aligner's times back to the recording."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from aligner.audio import SAMPLE_RATE
from aligner.splice import JOIN_GAP, TimeMap, splice


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "rec.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((np.arange(20 * SAMPLE_RATE) % 1000).astype("<i2").tobytes())
    return path


def test_spliced_audio_holds_the_kept_spans_joined_by_short_gaps(recording: Path, tmp_path: Path) -> None:
    timemap = splice(recording, [(2.0, 5.0), (10.0, 12.0)], tmp_path / "out.wav")
    with wave.open(str(tmp_path / "out.wav")) as w:
        assert w.getnframes() == round((3.0 + JOIN_GAP + 2.0) * SAMPLE_RATE)
    assert timemap.offsets == (0.0, 3.0 + JOIN_GAP)


@pytest.mark.parametrize(
    ("spliced", "is_end", "source"),
    [
        (0.0, False, 2.0),
        (1.5, False, 3.5),
        (3.0, True, 5.0),
        (3.2, False, 10.0),  # inside the join gap: a start belongs to the next span
        (3.2, True, 5.0),  # ...and an end to the span before
        (3.0 + JOIN_GAP + 1.0, False, 11.0),
        (99.0, True, 12.0),  # past the end: the last kept edge
    ],
)
def test_times_map_back_to_the_recording(spliced: float, is_end: bool, source: float) -> None:
    timemap = TimeMap(spans=((2.0, 5.0), (10.0, 12.0)), offsets=(0.0, 3.0 + JOIN_GAP))
    assert timemap.to_source(spliced, is_end=is_end) == pytest.approx(source)


def test_frames_taken_of_the_whole_recording_line_up_with_its_spliced_spans(tmp_path: Path) -> None:
    from aligner import engine, windows

    rng = np.random.default_rng(3)
    t = np.arange(70 * SAMPLE_RATE) / SAMPLE_RATE  # over a minute: the MFCCs are taken in blocks
    x = 0.3 * np.sin(2 * np.pi * (200 + 30 * np.sin(t)) * t) * (1 + np.sin(t / 3)) + rng.normal(0, 0.02, len(t))
    path = tmp_path / "rec.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    frames = windows.Frames(0, engine.mfcc(path)).between(1.0, 69.0)
    assert frames.first == 25  # frame 25 starts at 1.0 s
    spans = [(frames.on_grid(a), frames.on_grid(b)) for a, b in [(2.013, 20.5), (31.0, 66.987)]]
    splice(path, spans, tmp_path / "out.wav")
    theirs, ours = engine.mfcc(tmp_path / "out.wav"), frames.spliced(spans)
    assert ours.shape == theirs.shape  # row for row: the cuts fall on frame edges, the join gap is whole frames
    assert np.median(np.abs(ours - theirs)) < 1e-6  # they differ only next to the cuts and at block starts
    assert windows.Frames(0, frames.rows).between(-1.0, 2.0).first == 0  # never before the first frame


@pytest.mark.parametrize("with_frames", [False, True])
def test_an_excerpt_of_a_rendering_holds_its_texts_end_to_end(tmp_path: Path, with_frames: bool) -> None:
    # unaired.py realigns some lines of a transcript without the others: from the rendering, as eSpeak would
    # speak them alone (the same audio, text by text, with no gap), instead of speaking them again
    from aligner import engine, windows

    texts = ["The ferry stayed in port.", "Farmers moved their cattle.", "The river fell by Friday.",
             "Boats sailed again."]
    rendering = engine.render(texts, tmp_path / "tts.wav")
    if with_frames:
        rendering = engine.with_mfcc(rendering, engine.EngineOptions(frame_step=windows.MFCC_STEP))
    part = windows.excerpt(rendering, [0, 2, 3], tmp_path / "part.wav")

    def samples(path: Path) -> np.ndarray:
        with wave.open(str(path)) as w:
            return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")

    whole, cut = samples(rendering.wav), samples(part.wav)
    assert len(part.spans) == 3
    for (a, b), (c, d) in zip(part.spans, [rendering.spans[i] for i in (0, 2, 3)], strict=True):
        assert b - a == pytest.approx(d - c, abs=1e-9)
        n = int((b - a) * SAMPLE_RATE) - 1
        assert np.array_equal(cut[round(a * SAMPLE_RATE):][:n], whole[round(c * SAMPLE_RATE):][:n])
    if with_frames:
        rows = part.mfcc(windows.MFCC_STEP)
        assert rows is not None and len(rows) == round(len(cut) / (windows.MFCC_STEP * SAMPLE_RATE))
        assert np.median(np.abs(rows - engine.mfcc(part.wav))) < 1e-6  # its own frames, but at the two cuts
