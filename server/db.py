"""Storage for the episode library: SQLAlchemy 2 tables, one engine per app, one session per app context.

SQLite in the instance folder by default; any SQLAlchemy URL (PostgreSQL) through ``SEEKLINE_DATABASE_URL``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Float, String, Text, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

EXTENSION = "seekline.db"


class Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EpisodeRow(Base):
    """One episode: its audio (a path under the media directory), transcript and sync map."""

    __tablename__ = "episodes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    audio_file: Mapped[str] = mapped_column(String(500))  # relative to MEDIA_DIR
    transcript_text: Mapped[str] = mapped_column(Text)
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    duration: Mapped[float | None] = mapped_column(Float, default=None)
    syncmap_json: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


@dataclass(frozen=True, slots=True)
class Database:
    """The engine and session factory an app uses."""

    engine: Engine
    sessions: sessionmaker[Session]


def init_app(app: Flask) -> None:
    """Connect ``app`` to its database, create missing tables and close sessions after each context."""
    engine = create_engine(app.config["DATABASE_URL"])
    Base.metadata.create_all(engine)
    app.extensions[EXTENSION] = Database(engine, sessionmaker(engine, expire_on_commit=False))
    app.teardown_appcontext(close_session)


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
