"""Probe, check, decode and transcode audio with ffmpeg, treating every input file as hostile.

Every ffmpeg/ffprobe call here:

- is an argv list (never a shell string) with ``-nostdin`` and ``-protocol_whitelist file``;
- names its input as ``file:/absolute/path``, so a name starting with ``-`` is never an option
  and a name with a colon is never a URL;
- reads only the demuxers in :data:`ALLOWED_FORMATS` (``-format_whitelist`` when probing, then an
  explicit ``-f``): an HLS playlist or concat list renamed ``.mp3`` is refused instead of followed;
- runs under a timeout, with ``RLIMIT_AS``/``RLIMIT_CPU`` set in the child, and holds one of a
  bounded number of slots (:func:`configure`), so uploads cannot exhaust the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import threading
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .errors import AudioError

SAMPLE_RATE = 16_000
PROBE_TIMEOUT = 30.0
# Decoding an hour of mp3 takes a few seconds; this only stops a runaway ffmpeg.
DECODE_TIMEOUT = 1800.0

#: Demuxers ffmpeg may use on an upload (short names; ffprobe reports e.g. ``mov,mp4,m4a,3gp,3g2,mj2``).
ALLOWED_FORMATS = ("mp3", "wav", "ogg", "flac", "mov", "aac", "matroska", "aiff")
#: What the playback copy is: constant-bitrate MP3, which browsers seek in exactly.
PLAYBACK_BITRATE = "128k"


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource caps for ffmpeg children (see :func:`configure`)."""

    max_processes: int = 2
    memory_bytes: int = 1 << 30
    max_duration: float = 4 * 3600.0
    probe_timeout: float = PROBE_TIMEOUT
    decode_timeout: float = DECODE_TIMEOUT


_limits = Limits()
_slots = threading.BoundedSemaphore(_limits.max_processes)


def configure(**changes: float | int) -> Limits:
    """Change the ffmpeg limits for this process (fields of :class:`Limits`); returns the new limits."""
    global _limits, _slots
    _limits = replace(_limits, **changes)  # type: ignore[arg-type]
    if "max_processes" in changes:
        _slots = threading.BoundedSemaphore(max(1, int(_limits.max_processes)))
    return _limits


def limits() -> Limits:
    return _limits


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
    #: the allowed demuxer ffprobe picked (passed to ffmpeg as ``-f``); "" when unknown.
    demuxer: str = ""


def _input_arg(path: str | os.PathLike[str]) -> str:
    """An ffmpeg input argument that is never read as an option or a URL."""
    return "file:" + str(Path(path).resolve())


def _child_limits(memory: int, cpu_seconds: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec: plain syscalls only
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))

    return apply


def _run(argv: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    lim = _limits
    with _slots:
        try:
            proc = subprocess.run(
                argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False,
                preexec_fn=_child_limits(lim.memory_bytes, int(timeout) + 1),
            )
        except FileNotFoundError as e:
            raise AudioError(f"{argv[0]} is not installed; install ffmpeg (run `make setup`)") from e
        except subprocess.TimeoutExpired as e:
            raise AudioError(
                f"{what} took longer than {timeout:.0f} s; check that the file is a normal audio file"
            ) from e
    return proc


def _stderr_tail(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit code {proc.returncode}"


def _demuxer(format_name: str) -> str:
    names = format_name.split(",")
    return next((n for n in names if n in ALLOWED_FORMATS), "")


def _clock(seconds: float) -> str:
    h, rest = divmod(int(seconds), 3600)
    return f"{h} h {rest // 60} min" if h else f"{rest // 60} min {rest % 60} s"


def probe(path: str | os.PathLike[str], *, name: str | None = None) -> AudioInfo:
    """Read duration and codec of ``path``, accepting only allowed audio containers.

    :param name: how to call the file in error messages (default: its file name).
    :raises AudioError: when the file is missing, not an allowed audio container, has no audio stream,
        no duration, or is longer than the configured maximum.
    """
    p = Path(path)
    label = name or p.name
    if not p.is_file():
        raise AudioError(f"audio file not found: {p}; check the path")
    if p.stat().st_size == 0:
        raise AudioError(f"audio file {label} is empty; upload the broadcast's mp3 or wav")
    proc = _run(
        ["ffprobe", "-v", "error", "-hide_banner", "-protocol_whitelist", "file",
         "-format_whitelist", ",".join(ALLOWED_FORMATS), "-print_format", "json",
         "-show_format", "-show_streams", _input_arg(p)],
        _limits.probe_timeout,
        "probing the audio",
    )
    if proc.returncode != 0:
        tail = _stderr_tail(proc)
        if "not on whitelist" in proc.stderr.decode("utf-8", "replace"):
            tail = "not an audio container Seekline accepts"
        raise AudioError(
            f"cannot read {label} as audio ({tail.removeprefix(_input_arg(p) + ': ')}); "
            "upload an mp3, m4a, ogg, flac or wav file"
        )
    info = json.loads(proc.stdout or b"{}")
    fmt = info.get("format", {})
    demuxer = _demuxer(fmt.get("format_name", ""))
    if not demuxer:
        raise AudioError(f"{label} is a {fmt.get('format_name', 'unknown')} file, not an audio container "
                         "Seekline accepts; upload an mp3, m4a, ogg, flac or wav file")
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioError(f"{label} has no audio stream; upload an audio file")
    stream = streams[0]
    try:
        duration = float(fmt.get("duration") or stream.get("duration"))
    except (TypeError, ValueError):
        duration = 0.0
    if not duration > 0:
        raise AudioError(f"{label} has no playable duration; the file may be truncated or empty")
    if duration > _limits.max_duration:
        raise AudioError(f"{label} says it lasts {_clock(duration)}, longer than the {_clock(_limits.max_duration)} "
                         "Seekline accepts; cut the broadcast into parts")
    bit_rate = fmt.get("bit_rate")
    return AudioInfo(
        path=str(p),
        duration=duration,
        codec=stream.get("codec_name", "unknown"),
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        format_name=fmt.get("format_name", "unknown"),
        bit_rate=int(bit_rate) if bit_rate else None,
        demuxer=demuxer,
    )


def _input(path: str | os.PathLike[str], info: AudioInfo | None) -> list[str]:
    """ffmpeg input options: only the file protocol, and the allowed demuxer probing found."""
    info = info or probe(path)
    return ["-protocol_whitelist", "file", "-format_whitelist", ",".join(ALLOWED_FORMATS),
            "-f", info.demuxer or _demuxer(info.format_name), "-i", _input_arg(path)]


def measure(path: str | os.PathLike[str], info: AudioInfo | None = None) -> float:
    """The duration the audio stream really has, in seconds, found by reading every packet (no decoding).

    Headers can lie (a 44-byte WAV can claim hours; a cut MP3 keeps its frame count); this cannot.
    """
    proc = _run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", *_input(path, info),
         "-map", "0:a:0", "-c", "copy", "-f", "null", "-", "-progress", "pipe:1"],
        _limits.decode_timeout, "reading the audio",
    )
    if proc.returncode != 0:
        raise AudioError(f"cannot read {Path(path).name} ({_stderr_tail(proc)}); the file may be damaged")
    times = [line.split("=", 1)[1] for line in proc.stdout.decode("ascii", "replace").splitlines()
             if line.startswith("out_time_us=")]
    try:
        return max(0.0, int(times[-1]) / 1e6) if times else 0.0
    except ValueError:
        return 0.0


def check_complete(path: str | os.PathLike[str], info: AudioInfo, *, name: str | None = None) -> float:
    """Check the audio really holds about as much as its header says; return the measured duration.

    :raises AudioError: when it is truncated (or padded) by more than 5 % or a second.
    """
    real = measure(path, info)
    label = name or Path(path).name
    if real <= 0.05:
        raise AudioError(f"{label} holds no audio although its header says {info.duration:.1f} s; "
                         "the file is truncated or not a real recording")
    if abs(real - info.duration) > max(1.0, 0.05 * info.duration):
        raise AudioError(f"{label} is truncated: its header says {info.duration:.1f} s but only "
                         f"{real:.1f} s of audio is there; upload the complete file")
    return real


def is_cbr_mp3(path: str | os.PathLike[str], info: AudioInfo) -> bool:
    """True for an MP3 without a VBR (Xing/VBRI) header: browsers seek in it exactly."""
    if info.demuxer != "mp3" or info.codec != "mp3":
        return False
    with open(path, "rb") as f:
        head = f.read(10)
        offset = 0
        if head[:3] == b"ID3" and len(head) == 10:  # skip an ID3v2 tag (syncsafe size)
            size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
            offset = 10 + size
        f.seek(offset)
        first = f.read(4096)
    return b"Xing" not in first and b"VBRI" not in first


def transcode_playback(path: str | os.PathLike[str], out_mp3: str | os.PathLike[str],
                       info: AudioInfo | None = None) -> AudioInfo:
    """Write the playback copy: constant-bitrate MP3 at :data:`PLAYBACK_BITRATE`, mono or stereo as the input.

    :raises AudioError: with ffmpeg's message when it cannot decode the input.
    """
    info = info or probe(path)
    out = Path(out_mp3)
    proc = _run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", *_input(path, info),
         "-map", "0:a:0", "-vn", "-map_metadata", "-1", "-ac", str(min(max(info.channels, 1), 2)),
         "-c:a", "libmp3lame", "-b:a", PLAYBACK_BITRATE, "-f", "mp3", _input_arg(out)],
        _limits.decode_timeout, "making the playback copy",
    )
    if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        with contextlib.suppress(FileNotFoundError):
            out.unlink()
        raise AudioError(f"cannot decode {Path(path).name} ({_stderr_tail(proc)}); the file may be damaged")
    return probe(out)


def decode(path: str | os.PathLike[str], out_wav: str | os.PathLike[str], info: AudioInfo | None = None) -> AudioInfo:
    """Decode ``path`` to a mono 16 kHz 16-bit WAV at ``out_wav`` (ffmpeg streams; nothing is held in RAM).

    :param info: ``probe(path)``'s result, when the caller already has it (else it is probed here).
    :raises AudioError: with ffmpeg's own message when decoding fails.
    """
    out = Path(out_wav)
    proc = _run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", *_input(path, info),
         "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
         "-c:a", "pcm_s16le", "-f", "wav", _input_arg(out)],
        _limits.decode_timeout,
        "decoding the audio",
    )
    if proc.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
        raise AudioError(f"cannot decode {Path(path).name} ({_stderr_tail(proc)}); the file may be damaged")
    with wave.open(str(out), "rb") as w:
        frames = w.getnframes()
    if frames == 0:
        raise AudioError(f"{Path(path).name} decoded to no audio; the file may be truncated")
    return AudioInfo(path=str(out), duration=frames / SAMPLE_RATE, codec="pcm_s16le",
                     sample_rate=SAMPLE_RATE, channels=1, format_name="wav", demuxer="wav")


def read_frames(wav_path: str | os.PathLike[str], block_seconds: float = 60.0,
                start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
    """Yield samples ``start`` to ``stop`` (default: all) of a mono 16-bit WAV, float32, in ``block_seconds``."""
    with wave.open(str(wav_path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise AudioError(f"{wav_path} is not mono 16-bit; decode it with aligner.audio.decode first")
        block = int(block_seconds * w.getframerate())
        w.setpos(min(start, w.getnframes()))
        left = w.getnframes() - start if stop is None else stop - start
        while left > 0:
            raw = w.readframes(min(block, left))
            if not raw:
                return
            left -= len(raw) // 2
            yield np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


def attenuated(wav_path: str | os.PathLike[str], out_wav: str | os.PathLike[str], gain_db: float) -> Path:
    """A copy of the mono 16-bit WAV at ``wav_path`` in ``out_wav``, ``gain_db`` (at most 0) quieter, block by
    block: it cannot clip."""
    if gain_db > 0:
        raise ValueError(f"gain_db is {gain_db}: a copy may only be quieter")
    scale = 32768.0 * 10 ** (gain_db / 20)
    with wave.open(str(out_wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        for block in read_frames(wav_path):
            out.writeframes(np.rint(block * scale).astype("<i2").tobytes())
    return Path(out_wav)
