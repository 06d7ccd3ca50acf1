"""Durable alignment jobs: the job row is the source of truth, whatever queue or thread runs it.

A worker *claims* a job with one conditional ``UPDATE ... WHERE state = 'queued'``, which at most one
worker can win, and gets a claim token. While it works it renews a lease (heartbeat); every later write
is conditional on that token, so a worker that lost its lease can no longer change the job or its result.
The :func:`reap` pass requeues jobs whose lease ran out and fails them after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import Database, JobRow, SyncMapRow, aware, now

STATES = ("queued", "running", "succeeded", "failed")
ACTIVE = ("queued", "running")


def new_id() -> str:
    """A short random id of lowercase letters and digits (never a leading dash)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _iso(value: dt.datetime | None) -> str | None:
    value = aware(value)
    return value.isoformat() if value else None


@dataclass(frozen=True, slots=True)
class Job:
    """A job as callers see it."""

    id: str
    episode_id: str
    state: str
    attempts: int
    stage: str | None
    percent: float
    error: str | None
    worker_id: str | None
    lease_expires_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: JobRow) -> Job:
        return cls(
            id=row.id, episode_id=row.episode_id, state=row.state, attempts=row.attempts, stage=row.stage,
            percent=round(row.percent or 0.0, 1), error=row.error, worker_id=row.worker_id,
            lease_expires_at=aware(row.lease_expires_at), heartbeat_at=aware(row.heartbeat_at),
            created_at=aware(row.created_at) or now(), started_at=aware(row.started_at),
            finished_at=aware(row.finished_at),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "episode_id": self.episode_id, "state": self.state, "attempts": self.attempts,
            "stage": self.stage, "percent": self.percent, "error": self.error, "worker_id": self.worker_id,
            "lease_expires_at": _iso(self.lease_expires_at), "heartbeat_at": _iso(self.heartbeat_at),
            "created_at": _iso(self.created_at), "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
        }


@dataclass(frozen=True, slots=True)
class Claim:
    """What a worker holds while it runs one attempt of a job."""

    job_id: str
    episode_id: str
    token: str
    worker_id: str
    attempt: int
    force: bool
    input_hash: str
    aligner_version: str


def add(session: Session, episode_id: str, input_hash: str, aligner_version: str, *, force: bool = False) -> JobRow:
    """Add a queued job to ``session`` (the caller commits, with the rows it belongs to)."""
    row = JobRow(id=new_id(), episode_id=episode_id, state="queued", attempts=0, stage="queued", percent=0.0,
                 input_hash=input_hash, aligner_version=aligner_version, force=force, created_at=now())
    session.add(row)
    return row


def get(db: Database, job_id: str) -> Job | None:
    with db.sessions() as s:
        row = s.get(JobRow, job_id)
        return Job.from_row(row) if row else None


def latest(session: Session, episode_ids: list[str]) -> dict[str, Job]:
    """The newest job of each episode."""
    if not episode_ids:
        return {}
    rows = session.scalars(
        select(JobRow).where(JobRow.episode_id.in_(episode_ids)).order_by(JobRow.created_at, JobRow.id)
    )
    return {r.episode_id: Job.from_row(r) for r in rows}


def active(session: Session, episode_id: str) -> JobRow | None:
    return session.scalars(
        select(JobRow).where(JobRow.episode_id == episode_id, JobRow.state.in_(ACTIVE)).order_by(JobRow.created_at)
    ).first()


def listing(db: Database, state: str | None = None, limit: int = 100) -> list[Job]:
    """Jobs, newest first."""
    query = select(JobRow).order_by(JobRow.created_at.desc(), JobRow.id).limit(limit)
    if state:
        query = query.where(JobRow.state == state)
    with db.sessions() as s:
        return [Job.from_row(r) for r in s.scalars(query)]


def _claimed(s: Session, stmt: Any, worker_id: str, token: str) -> Claim | None:
    row = s.execute(stmt.returning(JobRow.id, JobRow.episode_id, JobRow.attempts, JobRow.force,
                                   JobRow.input_hash, JobRow.aligner_version)).first()
    s.commit()
    if row is None:
        return None
    return Claim(job_id=row.id, episode_id=row.episode_id, token=token, worker_id=worker_id, attempt=row.attempts,
                 force=bool(row.force), input_hash=row.input_hash, aligner_version=row.aligner_version)


def _claim_values(worker_id: str, token: str, lease: float) -> dict[str, Any]:
    t = now()
    return {"state": "running", "attempts": JobRow.attempts + 1, "worker_id": worker_id[:200], "claim": token,
            "lease_expires_at": t + dt.timedelta(seconds=lease), "heartbeat_at": t, "started_at": t,
            "stage": "claimed", "percent": 0.0}


def claim_next(db: Database, worker_id: str, lease: float) -> Claim | None:
    """Atomically take the oldest queued job, or ``None`` when there is none (or another worker won it)."""
    token = secrets.token_hex(8)
    oldest = (select(JobRow.id).where(JobRow.state == "queued").order_by(JobRow.created_at, JobRow.id).limit(1)
              .with_for_update(skip_locked=True).scalar_subquery())
    stmt = (update(JobRow).where(JobRow.id == oldest, JobRow.state == "queued")
            .values(**_claim_values(worker_id, token, lease)))
    with db.sessions() as s:
        return _claimed(s, stmt, worker_id, token)


def claim(db: Database, job_id: str, worker_id: str, lease: float, max_attempts: int) -> Claim | None:
    """Atomically take this job if it is queued, or running on a lease that ran out; else ``None``."""
    token = secrets.token_hex(8)
    t = now()
    stmt = (update(JobRow)
            .where(JobRow.id == job_id, or_(
                JobRow.state == "queued",
                (JobRow.state == "running") & (JobRow.lease_expires_at < t) & (JobRow.attempts < max_attempts)))
            .values(**_claim_values(worker_id, token, lease)))
    with db.sessions() as s:
        return _claimed(s, stmt, worker_id, token)


def _mine(c: Claim) -> Any:
    return (JobRow.id == c.job_id) & (JobRow.claim == c.token) & (JobRow.state == "running")


def heartbeat(db: Database, c: Claim, lease: float, stage: str | None = None, percent: float | None = None) -> bool:
    """Renew the lease (and record progress); ``False`` when the claim was lost to the reaper or a delete."""
    t = now()
    values: dict[str, Any] = {"heartbeat_at": t, "lease_expires_at": t + dt.timedelta(seconds=lease)}
    if stage is not None:
        values["stage"] = stage[:32]
    if percent is not None:
        values["percent"] = max(0.0, min(100.0, percent))
    with db.sessions() as s:
        done = s.execute(update(JobRow).where(_mine(c)).values(**values)).rowcount == 1
        s.commit()
    return done


class LostClaim(Exception):
    """The worker no longer owns the job (its lease ran out and someone else took it, or it was deleted)."""


def succeed(db: Database, c: Claim, syncmap_json: str | None) -> None:
    """Store the result under its key and mark the job succeeded, in one transaction.

    ``syncmap_json=None`` means the result for this key is already stored. A rerun replaces the stored
    result in place, so one key never has two rows nor half a row.

    :raises LostClaim: when the job is no longer this worker's; nothing is written then.
    """
    for attempt in range(2):
        with db.sessions() as s:
            try:
                t = now()
                owned = s.execute(update(JobRow).where(_mine(c)).values(
                    state="succeeded", stage="done", percent=100.0, error=None, finished_at=t, heartbeat_at=t,
                    lease_expires_at=None)).rowcount
                if owned != 1:
                    s.rollback()
                    raise LostClaim(c.job_id)
                if syncmap_json is not None:
                    key = ((SyncMapRow.episode_id == c.episode_id) & (SyncMapRow.input_hash == c.input_hash)
                           & (SyncMapRow.aligner_version == c.aligner_version))
                    existing = s.scalars(select(SyncMapRow).where(key)).first()
                    if existing is None:
                        s.add(SyncMapRow(episode_id=c.episode_id, input_hash=c.input_hash,
                                         aligner_version=c.aligner_version, json=syncmap_json, job_id=c.job_id,
                                         created_at=t))
                    else:
                        existing.json, existing.job_id, existing.created_at = syncmap_json, c.job_id, t
                s.commit()
                return
            except IntegrityError:  # another job stored this key between our read and insert: update it
                s.rollback()
                if attempt:
                    raise


def fail(db: Database, c: Claim, message: str, *, retry: bool, max_attempts: int) -> str:
    """Record a failed attempt: requeue it when ``retry`` and attempts remain, else mark it failed.

    Returns the job's new state ("" when the claim was already lost).
    """
    requeue = retry and c.attempt < max_attempts
    values: dict[str, Any] = {"error": message[:2000], "claim": None, "lease_expires_at": None,
                              "heartbeat_at": now()}
    if requeue:
        values |= {"state": "queued", "stage": "requeued", "worker_id": None}
    else:
        values |= {"state": "failed", "stage": "failed", "finished_at": now()}
    with db.sessions() as s:
        done = s.execute(update(JobRow).where(_mine(c)).values(**values)).rowcount == 1
        s.commit()
    return values["state"] if done else ""


def reap(db: Database, max_attempts: int) -> list[str]:
    """Requeue running jobs whose lease expired; fail those that used up their attempts.

    Returns the ids of the requeued jobs (a Celery deployment sends them to the queue again).
    """
    t = now()
    expired = (JobRow.state == "running") & (JobRow.lease_expires_at < t)
    with db.sessions() as s:
        s.execute(update(JobRow).where(expired & (JobRow.attempts >= max_attempts)).values(
            state="failed", stage="failed", finished_at=t, claim=None, lease_expires_at=None,
            error=f"gave up after {max_attempts} attempts: the worker running it stopped responding "
                  "(its lease expired) each time; check the workers' logs and memory, then realign"))
        requeued = s.execute(update(JobRow).where(expired & (JobRow.attempts < max_attempts)).values(
            state="queued", stage="requeued", worker_id=None, claim=None, lease_expires_at=None,
            error="the previous attempt's worker stopped responding (its lease expired); requeued")
            .returning(JobRow.id)).scalars().all()
        s.commit()
    return list(requeued)


def counts(db: Database) -> dict[str, int]:
    with db.sessions() as s:
        return dict(s.execute(select(JobRow.state, func.count()).group_by(JobRow.state)).tuples().all())
