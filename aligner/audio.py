"""Probe and decode audio with ffmpeg: one mono 16 kHz WAV per alignment, streamed, never held in RAM."""

from __future__ import annotations

import json
import os
import subprocess
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import AudioError

SAMPLE_RATE = 16_000
PROBE_TIMEOUT = 30.0
# Decoding an hour of mp3 takes a few seconds; this only stops a runaway ffmpeg.
DECODE_TIMEOUT = 1800.0


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What ffprobe says about an audio file."""

    path: str
    duration: float
    codec: str
    sample_rate: int
    channels: int
    format_name: str
    bit_rate: int | None = None


def _input_arg(path: str | os.PathLike[str]) -> str:
    """An ffmpeg input argument that is never read as an option or a URL."""
    return "file:" + str(Path(path).resolve())


def _run(argv: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError as e:
        raise AudioError(f"{argv[0]} is not installed; install ffmpeg (run `make setup`)") from e
    except subprocess.TimeoutExpired as e:
        raise AudioError(f"{what} took longer than {timeout:.0f} s; check that the file is a normal audio file") from e
    return proc


def _stderr_tail(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit code {proc.returncode}"


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Read duration and codec of ``path``.

    :raises AudioError: when the file is missing, not media, or has no audio stream.
    """
    p = Path(path)
    if not p.is_file():
        raise AudioError(f"audio file not found: {p}; check the path")
    if p.stat().st_size == 0:
        raise AudioError(f"audio file is empty: {p}; upload the broadcast's mp3 or wav")
    proc = _run(
        ["ffprobe", "-v", "error", "-protocol_whitelist", "file", "-print_format", "json",
         "-show_format", "-show_streams", _input_arg(p)],
        PROBE_TIMEOUT,
        "probing the audio",
    )
    if proc.returncode != 0:
        raise AudioError(f"cannot read {p.name} as audio ({_stderr_tail(proc)}); upload an mp3, m4a, ogg or wav file")
    info = json.loads(proc.stdout or b"{}")
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioError(f"{p.name} has no audio stream; upload an audio file")
    fmt = info.get("format", {})
    stream = streams[0]
    try:
        duration = float(fmt.get("duration") or stream.get("duration"))
    except (TypeError, ValueError):
        duration = 0.0
    if duration <= 0:
        raise AudioError(f"{p.name} has no playable duration; the file may be truncated")
    bit_rate = fmt.get("bit_rate")
    return AudioInfo(
        path=str(p),
        duration=duration,
        codec=stream.get("codec_name", "unknown"),
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        format_name=fmt.get("format_name", "unknown"),
        bit_rate=int(bit_rate) if bit_rate else None,
    )


def decode(path: str | os.PathLike[str], out_wav: str | os.PathLike[str]) -> AudioInfo:
    """Decode ``path`` to a mono 16 kHz 16-bit WAV at ``out_wav`` (ffmpeg streams; nothing is held in RAM).

    :raises AudioError: with ffmpeg's own message when decoding fails.
    """
    out = Path(out_wav)
    proc = _run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-protocol_whitelist", "file",
         "-i", _input_arg(path), "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
         "-c:a", "pcm_s16le", "-f", "wav", _input_arg(out)],
        DECODE_TIMEOUT,
        "decoding the audio",
    )
    if proc.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
        raise AudioError(f"cannot decode {Path(path).name} ({_stderr_tail(proc)}); the file may be damaged")
    with wave.open(str(out), "rb") as w:
        frames = w.getnframes()
    if frames == 0:
        raise AudioError(f"{Path(path).name} decoded to no audio; the file may be truncated")
    return AudioInfo(path=str(out), duration=frames / SAMPLE_RATE, codec="pcm_s16le",
                     sample_rate=SAMPLE_RATE, channels=1, format_name="wav")


def read_frames(wav_path: str | os.PathLike[str], block_seconds: float = 60.0) -> Iterator[np.ndarray]:
    """Yield the samples of a mono 16-bit WAV as float32 blocks of ``block_seconds``."""
    with wave.open(str(wav_path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise AudioError(f"{wav_path} is not mono 16-bit; decode it with aligner.audio.decode first")
        block = int(block_seconds * w.getframerate())
        while True:
            raw = w.readframes(block)
            if not raw:
                return
            yield np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
