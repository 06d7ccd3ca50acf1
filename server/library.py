"""The episode library: the data layer every view and command calls.

Views never touch the database or the media directory themselves; they call these functions, which
return frozen :class:`Episode` and :class:`~server.jobs.Job` records, :class:`~aligner.models.SyncMap`
objects and paths.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import bindparam, func, select

from aligner.errors import TranscriptError
from aligner.models import LEVELS, SyncMap
from aligner.transcript import FORMATS as TRANSCRIPT_FORMATS
from aligner.transcript import parse_transcript
from aligner.transcripts.decode import MAX_BYTES
from aligner.transcripts.decode import decode as decode_text

from . import jobs, media
from .db import EpisodeRow, JobRow, SyncMapRow, TranscriptRow, aware, database, get_session, now
from .errors import BadRequestError, NotFoundError, NotReadyError

STATUSES = jobs.STATES
new_id = jobs.new_id
_LANGUAGE = re.compile(r"^[a-z]{3}$")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "0"


#: What a stored result was made by: a sync map is reused only for the same inputs and this version.
ALIGNER_VERSION = f"seekline-{_version('seekline')}+aeneas-{_version('aeneas-ng')}"


@dataclass(frozen=True, slots=True)
class Episode:
    """An episode as the views see it: metadata and its newest job, no open handles."""

    id: str
    title: str
    status: str
    error: str | None
    duration: float | None
    created_at: dt.datetime
    aligned: bool
    origin: str | None = None
    language: str = "eng"
    level: str = "sentence"
    job: jobs.Job | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "language": self.language,
            "level": self.level,
            "status": self.status,
            "error": self.error,
            "duration": self.duration,
            "aligned": self.aligned,
            "created_at": self.created_at.isoformat(),
            "job": self.job.to_dict() if self.job else None,
        }


@dataclass(frozen=True, slots=True)
class WorkItem:
    """What a job needs to align an episode."""

    episode_id: str
    audio: Path
    transcript: str
    format: str | None
    language: str
    level: str = "sentence"


def _episodes(rows: list[EpisodeRow]) -> list[Episode]:
    session = get_session()
    ids = [r.id for r in rows]
    latest = jobs.latest(session, ids)
    aligned = set(session.scalars(
        select(SyncMapRow.episode_id).join(EpisodeRow, (EpisodeRow.id == SyncMapRow.episode_id)
                                           & (EpisodeRow.input_hash == SyncMapRow.input_hash))
        .where(SyncMapRow.episode_id.in_(ids))))
    out = []
    for r in rows:
        job = latest.get(r.id)
        status = job.state if job else ("succeeded" if r.id in aligned else "queued")
        out.append(Episode(id=r.id, title=r.title, status=status, error=job.error if job else None,
                           duration=r.duration, created_at=aware(r.created_at) or now(), aligned=r.id in aligned,
                           origin=r.origin, language=r.language, level=r.level, job=job))
    return out


def media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def input_hash(audio_path: str | os.PathLike[str], transcript_text: str, language: str = "eng",
               level: str = "sentence") -> str:
    """The sha256 of the audio bytes, transcript text, language and level: what the result depends on.

    The default level adds nothing, so hashes made before levels existed still match.
    """
    h = hashlib.sha256()
    with open(audio_path, "rb") as f:
        for chunk in iter(functools.partial(f.read, 1 << 20), b""):
            h.update(chunk)
    for part in (transcript_text, language, *([level] if level != "sentence" else [])):
        h.update(b"\0")
        h.update(part.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _row(episode_id: str) -> EpisodeRow:
    row = get_session().get(EpisodeRow, episode_id)
    if row is None:
        raise NotFoundError(f"no episode with id {episode_id!r}; list the episodes at /api/episodes")
    return row


def _check_options(language: str, fmt: str | None, level: str = "sentence") -> None:
    if level not in LEVELS:
        raise BadRequestError(f"level={level!r} is not an alignment level; use one of {', '.join(LEVELS)}")
    if not _LANGUAGE.match(language):
        raise BadRequestError(f"language={language!r} is not an ISO 639-3 code; use three letters such as eng")
    if fmt is not None and fmt not in TRANSCRIPT_FORMATS:
        raise BadRequestError(f"format={fmt!r} is not a transcript format; use one of {', '.join(TRANSCRIPT_FORMATS)}")


def transcript_text(data: str | bytes) -> str:
    """Uploaded transcript bytes or text as text (encoding detected).

    :raises TranscriptError: for empty, binary or oversized input.
    """
    text = decode_text(bytes(data), MAX_BYTES) if isinstance(data, bytes | bytearray) else data
    if not text.strip():
        raise TranscriptError("line 1: the transcript is empty")
    return text


def add_episode(
    audio_path: str | os.PathLike[str],
    transcript: str | bytes,
    title: str | None = None,
    *,
    language: str = "eng",
    level: str = "sentence",
    format: str | None = None,
    origin: str | None = None,
    name: str | None = None,
    move: bool = False,
) -> Episode:
    """Check the transcript and audio, store the audio under a new id and add the episode with a queued job.

    :param name: the user's file name, for messages only.
    :raises AudioError: when the audio is not acceptable; :raises TranscriptError: likewise for the text.
        Nothing is stored then.
    """
    _check_options(language, format, level)
    text = transcript_text(transcript)
    parsed = parse_transcript(text, format)
    if not parsed.turns:
        raise TranscriptError("line 1: the transcript has no speaker turns to align; check the file")
    src = Path(audio_path)
    digest = input_hash(src, text, language, level)
    episode_id = new_id()
    stored = media.store(media_dir(), episode_id, src, name=name, move=move)
    session = get_session()
    try:
        row = EpisodeRow(id=episode_id, title=(title or parsed.title or "Untitled episode")[:500],
                         language=language, level=level, origin=origin, audio_file=stored.original,
                         playback_file=stored.playback, duration=stored.duration, input_hash=digest,
                         created_at=now(), updated_at=now())
        session.add(row)
        session.add(TranscriptRow(episode_id=episode_id, text=text, format=format))
        session.flush()
        job = jobs.add(session, episode_id, digest, ALIGNER_VERSION)
        session.commit()
    except BaseException:
        session.rollback()
        media.remove(media_dir(), episode_id)
        raise
    _submitted(job.id)
    return get_episode(episode_id)


def add_upload(stream: IO[bytes], transcript: str | bytes, *, title: str | None = None, language: str = "eng",
               level: str = "sentence", format: str | None = None, filename: str | None = None) -> Episode:
    """Receive an uploaded audio stream into the media directory and add it as :func:`add_episode` does."""
    _check_options(language, format, level)
    transcript_text(transcript)  # reject a bad transcript before receiving a large file
    with media.receive(media_dir(), stream) as path:
        return add_episode(path, transcript, title, language=language, level=level, format=format, name=filename,
                           move=True)


def _submitted(job_id: str) -> None:
    from . import worker  # worker runs jobs through this module

    worker.notify(current_app, job_id)


def realign(episode_id: str, language: str | None = None, level: str | None = None) -> jobs.Job:
    """Queue a new alignment of the episode (with a new language or level if given); an active job is
    returned as is."""
    row = _row(episode_id)
    language, level = language or row.language, level or row.level
    _check_options(language, None, level)
    session = get_session()
    current = jobs.active(session, episode_id)
    if current is not None:
        return jobs.Job.from_row(current)
    if (language, level) != (row.language, row.level):
        text = session.get(TranscriptRow, episode_id).text
        row.language, row.level = language, level
        row.input_hash = input_hash(media_dir() / row.audio_file, text, language, level)
    job = jobs.add(session, episode_id, row.input_hash, ALIGNER_VERSION, force=True)
    session.commit()
    _submitted(job.id)
    return jobs.Job.from_row(job)


def align_episode(episode_id: str) -> Episode:
    """Run the episode's queued job now, in this thread, through the same claim-and-run code as the workers.

    :raises JobError: when it has no queued job; :raises SeeklineError: the alignment's own error.
    """
    from . import worker

    current = jobs.active(get_session(), episode_id)
    job_id = current.id if current is not None else realign(episode_id).id
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        worker.run_job(app, job_id, worker_id=worker.worker_id("sync"), raise_errors=True)
    finally:
        get_session().expire_all()  # the job ran on its own connections
    return get_episode(episode_id)


def work_item(episode_id: str) -> WorkItem:
    row = _row(episode_id)
    text = get_session().get(TranscriptRow, episode_id)
    return WorkItem(episode_id=episode_id, audio=media_dir() / row.audio_file, transcript=text.text,
                    format=text.format, language=row.language, level=row.level)


def has_result(episode_id: str, digest: str, aligner_version: str) -> bool:
    return get_session().scalar(select(func.count()).select_from(SyncMapRow).where(
        SyncMapRow.episode_id == episode_id, SyncMapRow.input_hash == digest,
        SyncMapRow.aligner_version == aligner_version)) > 0


def store_syncmap(episode_id: str, syncmap: SyncMap) -> Episode:
    """Store ``syncmap`` as the episode's result (as a finished job would) and close its open job."""
    row = _row(episode_id)
    session = get_session()
    db = database()
    current = jobs.active(session, episode_id) or jobs.add(session, episode_id, row.input_hash, ALIGNER_VERSION)
    session.commit()
    claim = jobs.claim(db, current.id, "store_syncmap", 60, 1 << 30) if current.state == "queued" else None
    if claim is None:
        raise NotReadyError(f"episode {episode_id!r} has a job running; wait for it to finish")
    jobs.succeed(db, claim, json.dumps(syncmap.to_dict(), ensure_ascii=False))
    session.expire_all()
    return get_episode(episode_id)


def list_episodes(limit: int | None = None, offset: int = 0) -> list[Episode]:
    """Episodes, newest first."""
    query = select(EpisodeRow).order_by(EpisodeRow.created_at.desc(), EpisodeRow.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return _episodes(list(get_session().scalars(query)))


def count_episodes() -> int:
    return get_session().scalar(select(func.count()).select_from(EpisodeRow)) or 0


def get_episode(episode_id: str) -> Episode:
    """:raises NotFoundError: when there is no such episode."""
    return _episodes([_row(episode_id)])[0]


def get_job(job_id: str) -> jobs.Job:
    row = get_session().get(JobRow, job_id)
    if row is None:
        raise NotFoundError(f"no job with id {job_id!r}; an episode's links name its job")
    return jobs.Job.from_row(row)


def find_episode(*, origin: str) -> Episode | None:
    """The newest episode imported from ``origin`` (such as ``"demo"``), if any."""
    row = get_session().scalars(
        select(EpisodeRow).where(EpisodeRow.origin == origin).order_by(EpisodeRow.created_at.desc())).first()
    return get_episode(row.id) if row else None


def episode_input_hash(episode_id: str) -> str:
    return _row(episode_id).input_hash


@functools.lru_cache(maxsize=64)
def _parsed(episode_id: str, syncmap_id: int, digest: str) -> SyncMap:
    text = get_session().scalar(select(SyncMapRow.json).where(SyncMapRow.id == syncmap_id))
    return SyncMap.from_dict(json.loads(text))


# Built once: the hot path of segments?at= runs only this small indexed query, then a cached parse.
_CURRENT_SYNCMAP = (
    select(EpisodeRow.input_hash, SyncMapRow.id)
    .outerjoin(SyncMapRow, (SyncMapRow.episode_id == EpisodeRow.id) & (SyncMapRow.input_hash == EpisodeRow.input_hash))
    .where(EpisodeRow.id == bindparam("episode_id")).order_by(SyncMapRow.id.desc()).limit(1)
)


def get_syncmap(episode_id: str) -> SyncMap:
    """The episode's current sync map (newest result for its current inputs), parsed once and cached.

    :raises NotFoundError: when there is no such episode.
    :raises NotReadyError: when it has not been aligned yet.
    """
    with database().engine.connect() as conn:
        found = conn.execute(_CURRENT_SYNCMAP, {"episode_id": episode_id}).first()
    if found is None:
        raise NotFoundError(f"no episode with id {episode_id!r}; list the episodes at /api/episodes")
    digest, syncmap_id = found
    if syncmap_id is None:
        ep = get_episode(episode_id)
        detail = f": {ep.error}" if ep.error else ""
        raise NotReadyError(f"episode {episode_id!r} is not aligned yet (status {ep.status}{detail})")
    return _parsed(episode_id, syncmap_id, digest)


def audio_path(episode_id: str) -> Path:
    """The playback copy to serve for the episode.

    :raises NotFoundError: when there is no such episode or its file is gone.
    """
    path = media_dir() / _row(episode_id).playback_file
    if not path.is_file():
        raise NotFoundError(f"the audio of episode {episode_id!r} is missing from the media directory")
    return path


def original_path(episode_id: str) -> Path:
    return media_dir() / _row(episode_id).audio_file


def delete_episode(episode_id: str) -> None:
    """Remove the episode's rows (its transcript, results and jobs with it) and its files."""
    row = _row(episode_id)
    session = get_session()
    for table in (JobRow, SyncMapRow, TranscriptRow):
        session.query(table).filter_by(episode_id=episode_id).delete()
    session.delete(row)
    session.commit()
    media.remove(media_dir(), episode_id)
