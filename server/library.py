"""The episode library: the data layer every view calls.

Views never touch the database or the media directory themselves; they call these functions,
which return frozen :class:`Episode` records, :class:`~aligner.models.SyncMap` objects and paths.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import string
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from aligner import audio, pipeline
from aligner.errors import SeeklineError
from aligner.models import SyncMap
from aligner.transcript import parse_transcript

from .db import EpisodeRow, get_session
from .errors import NotFoundError, NotReadyError

STATUSES = ("queued", "running", "succeeded", "failed")
ID_ALPHABET = string.ascii_lowercase + string.digits
ID_LENGTH = 12
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,5}$")


@dataclass(frozen=True, slots=True)
class Episode:
    """An episode as the views see it: metadata only, no open handles."""

    id: str
    title: str
    status: str
    error: str | None
    duration: float | None
    created_at: dt.datetime
    aligned: bool
    origin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "error": self.error,
            "duration": self.duration,
            "aligned": self.aligned,
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_row(cls, row: EpisodeRow) -> Episode:
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.UTC)
        return cls(
            id=row.id,
            title=row.title,
            status=row.status,
            error=row.error,
            duration=row.duration,
            created_at=created,
            aligned=row.syncmap_json is not None,
            origin=row.origin,
        )


def new_id() -> str:
    """A short random url-safe episode id (lowercase letters and digits, never a leading dash)."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def input_hash(audio_path: str | os.PathLike[str], transcript_text: str) -> str:
    """The sha256 of the audio bytes and the transcript text: what the alignment result depends on."""
    h = hashlib.sha256()
    with open(audio_path, "rb") as f:
        for chunk in iter(functools.partial(f.read, 1 << 20), b""):
            h.update(chunk)
    h.update(b"\0")
    h.update(transcript_text.encode("utf-8"))
    return h.hexdigest()


def _atomic_copy(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` through a temp file in the same directory and ``os.replace``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=dest.suffix)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _row(episode_id: str) -> EpisodeRow:
    row = get_session().get(EpisodeRow, episode_id)
    if row is None:
        raise NotFoundError(f"no episode with id {episode_id!r}; list the episodes at /api/episodes")
    return row


def add_episode(
    audio_path: str | os.PathLike[str],
    transcript_text: str,
    title: str | None = None,
    *,
    origin: str | None = None,
) -> Episode:
    """Validate the audio and transcript, copy the audio into the media directory and add a queued episode.

    :raises AudioError: when the audio cannot be read.
    :raises TranscriptError: when the transcript cannot be parsed.
    """
    transcript = parse_transcript(transcript_text)
    info = audio.probe(audio_path)
    src = Path(audio_path)
    episode_id = new_id()
    suffix = src.suffix.lower() if _SUFFIX.match(src.suffix.lower()) else ""
    relative = f"{episode_id}/original{suffix}"
    digest = input_hash(src, transcript_text)
    _atomic_copy(src, media_dir() / relative)
    row = EpisodeRow(
        id=episode_id,
        title=(title or transcript.title or src.stem)[:500],
        audio_file=relative,
        transcript_text=transcript_text,
        input_hash=digest,
        origin=origin,
        duration=round(info.duration, 3),
        status="queued",
    )
    session = get_session()
    try:
        session.add(row)
        session.commit()
    except BaseException:
        session.rollback()
        shutil.rmtree(media_dir() / episode_id, ignore_errors=True)
        raise
    return Episode.from_row(row)


def _set_status(row: EpisodeRow, status: str, error: str | None = None) -> None:
    row.status, row.error = status, error
    get_session().commit()


def align_episode(episode_id: str, *, progress: Callable[[str, float], None] | None = None) -> Episode:
    """Align the episode now (synchronously) and store its sync map; the one place alignment runs.

    :raises SeeklineError: when alignment fails; the episode is then marked failed with the message.
    """
    row = _row(episode_id)
    _set_status(row, "running")
    try:
        transcript = parse_transcript(row.transcript_text)
        syncmap = pipeline.align(media_dir() / row.audio_file, transcript, progress=progress)
    except SeeklineError as e:
        _set_status(row, "failed", e.message)
        raise
    except Exception:
        _set_status(row, "failed", "alignment failed with an internal error; see the server log")
        raise
    return store_syncmap(episode_id, syncmap)


def store_syncmap(episode_id: str, syncmap: SyncMap) -> Episode:
    """Store ``syncmap`` as the episode's canonical result and mark it succeeded."""
    row = _row(episode_id)
    row.syncmap_json = json.dumps(syncmap.to_dict(), ensure_ascii=False)
    row.duration = syncmap.duration
    _set_status(row, "succeeded")
    return Episode.from_row(row)


def list_episodes() -> list[Episode]:
    """Every episode, newest first."""
    rows = get_session().scalars(select(EpisodeRow).order_by(EpisodeRow.created_at.desc(), EpisodeRow.id))
    return [Episode.from_row(r) for r in rows]


def get_episode(episode_id: str) -> Episode:
    """:raises NotFoundError: when there is no such episode."""
    return Episode.from_row(_row(episode_id))


def find_episode(*, origin: str) -> Episode | None:
    """The newest episode imported from ``origin`` (such as ``"demo"``), if any."""
    row = (
        get_session()
        .scalars(select(EpisodeRow).where(EpisodeRow.origin == origin).order_by(EpisodeRow.created_at.desc()))
        .first()
    )
    return Episode.from_row(row) if row else None


def episode_input_hash(episode_id: str) -> str:
    return _row(episode_id).input_hash


@functools.lru_cache(maxsize=32)
def _parse_syncmap(text: str) -> SyncMap:
    return SyncMap.from_dict(json.loads(text))


def get_syncmap(episode_id: str) -> SyncMap:
    """The episode's sync map.

    :raises NotFoundError: when there is no such episode.
    :raises NotReadyError: when it has not been aligned yet.
    """
    row = _row(episode_id)
    if row.syncmap_json is None:
        detail = f": {row.error}" if row.error else ""
        raise NotReadyError(f"episode {episode_id!r} is not aligned yet (status {row.status}{detail})")
    return _parse_syncmap(row.syncmap_json)


def audio_path(episode_id: str) -> Path:
    """The stored audio file to serve for the episode.

    :raises NotFoundError: when there is no such episode or its file is gone.
    """
    path = media_dir() / _row(episode_id).audio_file
    if not path.is_file():
        raise NotFoundError(f"the audio of episode {episode_id!r} is missing from the media directory")
    return path


def delete_episode(episode_id: str) -> None:
    """Remove the episode's row and its files."""
    row = _row(episode_id)
    session = get_session()
    session.delete(row)
    session.commit()
    shutil.rmtree(media_dir() / episode_id, ignore_errors=True)
