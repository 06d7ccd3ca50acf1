"""The media directory: audio files named by episode id, written atomically, checked before they are kept.

Layout under ``MEDIA_DIR``::

    <episode id>/original.<ext>     the upload, byte for byte (extension from the probed container)
    <episode id>/playback.mp3       constant-bitrate MP3 for the browser (absent when the original is one)
    <episode id>/align-<job>.wav    16 kHz mono WAV, only while a job aligns
    .incoming/                      uploads being received; .staging-*: episode folders being built

An episode folder appears by one ``os.replace`` of a complete staging folder, so a reader never sees half
of one, and a rejected upload leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aligner import audio
from aligner.errors import AudioError

INCOMING = ".incoming"
_EXTENSIONS = {"mp3": ".mp3", "wav": ".wav", "ogg": ".ogg", "flac": ".flac", "mov": ".m4a", "aac": ".aac",
               "matroska": ".mka", "aiff": ".aiff"}
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class StoredAudio:
    """An episode's audio as stored: paths relative to the media directory, and the checked duration."""

    original: str
    playback: str
    duration: float
    codec: str


@contextlib.contextmanager
def receive(media_dir: Path, stream: BinaryIO) -> Iterator[Path]:
    """Write an uploaded stream to a temporary file under the media directory; removed on exit."""
    folder = media_dir / INCOMING
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix="upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(stream, out, _CHUNK)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _copy_synced(src: Path, dest: Path) -> None:
    with open(src, "rb") as inp, open(dest, "wb") as out:
        shutil.copyfileobj(inp, out, _CHUNK)
        out.flush()
        os.fsync(out.fileno())


def store(media_dir: Path, episode_id: str, src: Path, *, name: str | None = None, move: bool = False) -> StoredAudio:
    """Check ``src`` with ffprobe/ffmpeg and store it with its playback copy as ``<media_dir>/<episode_id>/``.

    :param name: the user's file name, used in error messages only (never in a path).
    :param move: move ``src`` (an upload received under the media directory) instead of copying it.
    :raises AudioError: when the audio is not acceptable; nothing is left behind then.
    """
    label = repr(name) if name else "the audio"
    info = audio.probe(src, name=label)
    duration = audio.check_complete(src, info, name=label)
    media_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=media_dir, prefix=".staging-"))
    try:
        original = f"original{_EXTENSIONS.get(info.demuxer, '.audio')}"
        if move:
            os.replace(src, staging / original)
        else:
            _copy_synced(src, staging / original)
        playback = original
        if not audio.is_cbr_mp3(staging / original, info):
            playback = "playback.mp3"
            try:
                out = audio.transcode_playback(staging / original, staging / playback, info)
            except AudioError as e:
                raise AudioError(f"cannot decode {label}: {e.message}") from e
            duration = out.duration
        final = media_dir / episode_id
        if final.exists():
            raise FileExistsError(f"media folder for {episode_id} already exists")
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return StoredAudio(original=f"{episode_id}/{original}", playback=f"{episode_id}/{playback}",
                       duration=round(duration, 3), codec=info.codec)


def work_wav(media_dir: Path, episode_id: str) -> Path:
    """A fresh path for a job's 16 kHz WAV inside the episode's folder."""
    return media_dir / episode_id / f"align-{secrets.token_hex(4)}.wav"


def clear_work(media_dir: Path, episode_id: str) -> None:
    """Remove WAVs left by an attempt whose worker died (an episode has one active job at a time)."""
    for stale in (media_dir / episode_id).glob("align-*.wav"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()


def remove(media_dir: Path, episode_id: str) -> None:
    """Remove the episode's folder (idempotent)."""
    folder = media_dir / episode_id
    if folder.is_dir():
        trash = media_dir / f".trash-{episode_id}-{secrets.token_hex(4)}"
        with contextlib.suppress(FileNotFoundError):
            os.replace(folder, trash)  # vanish at once, then delete at leisure
            shutil.rmtree(trash, ignore_errors=True)


def leftovers(media_dir: Path) -> list[Path]:
    """Files that are not part of any episode folder (uploads in flight, staging): what a rejection must not leave."""
    if not media_dir.exists():
        return []
    return sorted(p for p in media_dir.rglob("*") if p.is_file() and p.relative_to(media_dir).parts[0].startswith("."))
