"""Build small test broadcasts from espeak-ng voices, tones and noise, with exact truth."""

from __future__ import annotations

import itertools
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SR = 16_000


@dataclass(frozen=True)
class TurnTruth:
    speaker: str
    text: str
    start: float  # first sample above the speech floor
    end: float


def speak(text: str, voice: str, speed: int = 165) -> np.ndarray:
    """``text`` spoken by espeak-ng ``voice`` as float32 samples at 16 kHz."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "tts.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), "--", text], check=True)
        pcm = subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-i", str(raw), "-ac", "1", "-ar", str(SR), "-f", "s16le", "-"],
            check=True, capture_output=True,
        ).stdout
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def speech_span(x: np.ndarray, floor_db: float = -40.0) -> tuple[float, float]:
    """First and last 10 ms frame within ``floor_db`` of the loudest frame, in seconds."""
    frame = SR // 100
    n = len(x) // frame
    rms = np.sqrt((x[: n * frame].reshape(n, frame) ** 2).mean(axis=1) + 1e-12)
    loud = np.flatnonzero(20 * np.log10(rms / rms.max()) > floor_db)
    return loud[0] * frame / SR, (loud[-1] + 1) * frame / SR


def tone(seconds: float, freq: float = 440.0, gain: float = 0.2) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    chord = sum(np.sin(2 * np.pi * f * t) for f in (freq, freq * 1.25, freq * 1.5)) / 3
    return (gain * chord).astype(np.float32)


def jingle(text: str, voice: str = "en-us+f4", gain: float = 1.0) -> np.ndarray:
    """``text`` spoken over a loud chord: a station ident the VAD half believes."""
    x = speak(text, voice)
    return x + tone(len(x) / SR, freq=330.0, gain=gain)[: len(x)]


def build(
    turns: list[tuple[str, str, str]],
    out: Path,
    *,
    lead_in: np.ndarray | None = None,
    pause: float = 0.6,
    noise_db: float | None = -45.0,
    seed: int = 0,
    before: dict[int, np.ndarray] | None = None,
) -> list[TurnTruth]:
    """Write a WAV of ``(speaker, voice, text)`` turns to ``out`` and return each turn's true speech span.

    ``before`` puts a sound nobody transcribed, and a pause, before the turns it names (by index)."""
    parts: list[np.ndarray] = []
    truth: list[TurnTruth] = []
    t = 0.0
    if lead_in is not None:
        parts.append(lead_in)
        t += len(lead_in) / SR
    for k, (speaker, voice, text) in enumerate(turns):
        if before and k in before:
            parts += [before[k], np.zeros(int(pause * SR), dtype=np.float32)]
            t += len(before[k]) / SR + pause
        x = speak(text, voice)
        a, b = speech_span(x)
        truth.append(TurnTruth(speaker, text, round(t + a, 3), round(t + b, 3)))
        parts += [x, np.zeros(int(pause * SR), dtype=np.float32)]
        t += len(x) / SR + pause
    y = np.concatenate(parts)
    if noise_db is not None:
        y = y + np.random.default_rng(seed).standard_normal(len(y)).astype(np.float32) * 10 ** (noise_db / 20)
    pcm = (np.clip(y, -1, 1) * 32767).astype("<i2").tobytes()
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "s16le", "-ar", str(SR), "-ac", "1", "-i", "-", str(out)],
        input=pcm, check=True,
    )
    return truth


def by_length(start: float, end: float, sentences: list[str]) -> list[tuple[float, float]]:
    """``[start, end)`` cut into one span per sentence, by their lengths (times as an aligner gives them)."""
    bounds = np.cumsum([0, *map(len, sentences)]) / sum(map(len, sentences))
    return [(start + (end - start) * a, start + (end - start) * b) for a, b in itertools.pairwise(bounds)]
