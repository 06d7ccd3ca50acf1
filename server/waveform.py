"""Waveform peaks for the player's timeline: decoded once with ffmpeg, stored as MEDIA_DIR/<id>/peaks.json.

ffmpeg decodes to a low-rate mono stream that is read in blocks through numpy, so even a 3-hour episode
is never held in memory; only one maximum per 10 ms frame is kept, then reduced to ``buckets`` values.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aligner.errors import AudioError

RATE = 4_000  # Hz: plenty for an amplitude envelope, and cheap to decode
FRAME = RATE // 100  # samples per 10 ms frame
BLOCK_FRAMES = 1_000  # frames read from ffmpeg at a time (10 s of audio, 80 kB)
DECODE_TIMEOUT = 1800.0  # seconds; only stops a runaway ffmpeg
FILE_NAME = "peaks.json"
VERSION = 1

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True, slots=True)
class Peaks:
    """Normalised peak amplitudes (0..1), evenly spread over ``duration`` seconds of decoded audio."""

    peaks: tuple[float, ...]
    duration: float

    def to_dict(self) -> dict[str, object]:
        return {
            "version": VERSION,
            "duration": self.duration,
            "buckets": len(self.peaks),
            "peaks": list(self.peaks),
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Peaks:
        raw = d["peaks"]
        if d.get("version") != VERSION or not isinstance(raw, list):
            raise ValueError("not a Seekline peaks file")
        return cls(peaks=tuple(float(p) for p in raw), duration=float(d["duration"]))  # type: ignore[arg-type]


def _frame_maxima(audio_path: str | os.PathLike[str]) -> np.ndarray:
    """The absolute peak of every 10 ms frame of the audio's first stream, as int32."""
    source = Path(audio_path)
    if not source.is_file():
        raise AudioError(f"audio file not found: {source}; check the media directory")
    argv = [
        "ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-protocol_whitelist", "file",
        "-i", "file:" + str(source.resolve()), "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(RATE),
        "-c:a", "pcm_s16le", "-f", "s16le", "pipe:1",
    ]  # fmt: skip
    maxima: list[np.ndarray] = []
    carry = b""
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)
        except FileNotFoundError as e:
            raise AudioError("ffmpeg is not installed; install ffmpeg (run `make setup`)") from e
        timer = threading.Timer(DECODE_TIMEOUT, proc.kill)
        timer.start()
        try:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(BLOCK_FRAMES * FRAME * 2):
                data = carry + chunk
                usable = len(data) - len(data) % (FRAME * 2)
                carry = data[usable:]
                if usable:
                    samples = np.frombuffer(data[:usable], dtype="<i2").astype(np.int32)
                    maxima.append(np.abs(samples).reshape(-1, FRAME).max(axis=1))
            returncode = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if len(carry) >= 2:  # the last, partial frame
            tail = np.frombuffer(carry[: len(carry) // 2 * 2], dtype="<i2").astype(np.int32)
            maxima.append(np.abs(tail).max(keepdims=True))
        if returncode != 0:
            errors.seek(0)
            lines = errors.read().decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1] if lines else f"exit code {returncode}"
            raise AudioError(
                f"cannot decode {source.name} for its waveform ({detail}); the file may be damaged"
            )
    frames = np.concatenate(maxima) if maxima else np.zeros(0, dtype=np.int32)
    if frames.size == 0:
        raise AudioError(f"{source.name} decoded to no audio; the file may be truncated")
    return frames


def measure(audio_path: str | os.PathLike[str], buckets: int = 2000) -> Peaks:
    """Decode ``audio_path`` and reduce it to at most ``buckets`` normalised peaks.

    :raises AudioError: when ffmpeg cannot decode the file.
    """
    if buckets < 1:
        raise ValueError("buckets must be at least 1")
    frames = _frame_maxima(audio_path)
    n = min(buckets, frames.size)
    edges = np.linspace(0, frames.size, n + 1).astype(np.int64)[:-1]
    reduced = np.maximum.reduceat(frames, edges).astype(np.float64)
    top = reduced.max()
    normalised = reduced / top if top > 0 else reduced
    return Peaks(
        peaks=tuple(round(float(p), 3) for p in normalised),
        duration=round(frames.size * FRAME / RATE, 3),
    )


def compute_peaks(audio_path: str | os.PathLike[str], buckets: int = 2000) -> list[float]:
    """At most ``buckets`` peak amplitudes (0..1, the loudest is 1) spread evenly over the audio.

    :raises AudioError: when ffmpeg cannot decode the file.
    """
    return list(measure(audio_path, buckets).peaks)


def peaks_path(media_dir: str | os.PathLike[str], episode_id: str) -> Path:
    """Where the episode's peaks live: ``<media_dir>/<episode_id>/peaks.json``."""
    if (
        not episode_id
        or episode_id in (".", "..")
        or Path(episode_id).name != episode_id
        or "\\" in episode_id
    ):
        raise ValueError(f"not an episode id: {episode_id!r}")
    return Path(media_dir) / episode_id / FILE_NAME


def _read(path: Path) -> Peaks | None:
    try:
        return Peaks.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_atomic(path: Path, peaks: Peaks) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(peaks.to_dict(), out, separators=(",", ":"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def ensure_stored(
    media_dir: str | os.PathLike[str],
    episode_id: str,
    audio_path: str | os.PathLike[str],
    buckets: int = 2000,
) -> Peaks:
    """The stored peaks of the episode, computed and written atomically first if missing or unreadable."""
    path = peaks_path(media_dir, episode_id)
    with _locks_guard:
        lock = _locks.setdefault(str(path), threading.Lock())
    with lock:  # one decode per episode at a time in this process; other processes just race to os.replace
        stored = _read(path)
        if stored is None:
            stored = measure(audio_path, buckets)
            _write_atomic(path, stored)
    return stored


def ensure_peaks(
    media_dir: str | os.PathLike[str], episode_id: str, audio_path: str | os.PathLike[str]
) -> list[float]:
    """Compute and store ``<media_dir>/<episode_id>/peaks.json`` unless it is already there; return the peaks.

    Call it after alignment; the player also calls it lazily on the first request for the peaks.

    :raises AudioError: when ffmpeg cannot decode the audio.
    """
    return list(ensure_stored(media_dir, episode_id, audio_path).peaks)


def load_peaks(media_dir: str | os.PathLike[str], episode_id: str) -> list[float] | None:
    """The stored peaks of the episode, or ``None`` when they have not been computed (or are unreadable)."""
    stored = _read(peaks_path(media_dir, episode_id))
    return None if stored is None else list(stored.peaks)


__all__ = ["Peaks", "compute_peaks", "ensure_peaks", "ensure_stored", "load_peaks", "measure", "peaks_path"]
