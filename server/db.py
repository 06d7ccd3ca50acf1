"""Storage for the episode library: SQLAlchemy 2 tables, one engine per app, one session per app context.

SQLite in the instance folder by default; PostgreSQL (psycopg 3) through ``SEEKLINE_DATABASE_URL``.
The schema is created and upgraded by the Alembic migrations in ``server/migrations`` (:func:`migrate`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

EXTENSION = "seekline.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK = 72_0415  # pg_advisory_lock key: one migrator at a time


class Base(DeclarativeBase):
    pass


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (SQLite gives them back naive)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class EpisodeRow(Base):
    """One episode: its stored audio (paths relative to MEDIA_DIR) and what its result depends on."""

    __tablename__ = "episodes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(16), default="eng")
    level: Mapped[str] = mapped_column(String(16), default="sentence", server_default="sentence")
    origin: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    audio_file: Mapped[str] = mapped_column(String(500))  # the original upload
    playback_file: Mapped[str] = mapped_column(String(500))  # constant-bitrate MP3 for the browser
    duration: Mapped[float | None] = mapped_column(Float, default=None)
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)


class TranscriptRow(Base):
    """The transcript text an episode was uploaded with."""

    __tablename__ = "transcripts"

    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(32), default=None)


class SyncMapRow(Base):
    """An alignment result, stored once per (episode, input hash, aligner version)."""

    __tablename__ = "syncmaps"
    __table_args__ = (UniqueConstraint("episode_id", "input_hash", "aligner_version", name="uq_syncmap_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), index=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    aligner_version: Mapped[str] = mapped_column(String(100))
    json: Mapped[str] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class JobRow(Base):
    """A durable alignment job: the row, not any queue, says what state the work is in."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_created", "state", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str | None] = mapped_column(String(32), default=None)
    percent: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    worker_id: Mapped[str | None] = mapped_column(String(200), default=None)
    claim: Mapped[str | None] = mapped_column(String(32), default=None)  # token of the current attempt
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    input_hash: Mapped[str] = mapped_column(String(64))
    aligner_version: Mapped[str] = mapped_column(String(100))
    force: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)


@dataclass(frozen=True, slots=True)
class Database:
    """The engine and session factory an app uses."""

    engine: Engine
    sessions: sessionmaker[Session]


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here (psycopg2 is not installed)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the job writers
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """One connection holding a lock, so processes starting together migrate one after another."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        lock_path = Path(url.database).with_name(Path(url.database).name + ".migrate-lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "w") as lock, engine.connect() as conn:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield conn
        return
    with engine.connect() as conn:
        if url.get_backend_name() == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK})
            conn.commit()
        try:
            yield conn
        finally:
            if url.get_backend_name() == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK})
                conn.commit()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (a no-op when it is there)."""
    with _migration_lock(engine) as conn:
        tables = set(inspect(conn).get_table_names())
        if "episodes" in tables and "alembic_version" not in tables:  # the 0.1 foundation's unversioned table
            conn.execute(text("ALTER TABLE episodes RENAME TO episodes_v0"))
            conn.commit()
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


def init_app(app: Flask) -> None:
    """Connect ``app`` to its database, migrate it, and close sessions after each context."""
    engine = make_engine(app.config["DATABASE_URL"])
    migrate(engine)
    app.extensions[EXTENSION] = Database(engine, sessionmaker(engine, expire_on_commit=False))
    app.teardown_appcontext(close_session)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions[EXTENSION]


def get_session() -> Session:
    """The current app context's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXTENSION].sessions()
    return g.db_session


def close_session(exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def dispose(app: Flask) -> None:
    """Close every pooled connection of ``app`` (tests call this on teardown)."""
    app.extensions[EXTENSION].engine.dispose()
