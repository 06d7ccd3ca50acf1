"""Seekline's server settings, declared once: name, default and help.

Each setting is read from the environment as ``SEEKLINE_<NAME>`` through
``app.config.from_prefixed_env("SEEKLINE")`` and lands in ``app.config[NAME]``.
A default of ``None`` means "derived from the instance folder" (see :func:`resolve`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

REPO_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Setting:
    """One configuration setting, documented where it is declared."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL of the episode library; default: a SQLite file seekline.sqlite3 "
        "in the instance folder.",
    ),
    Setting(
        "MEDIA_DIR",
        None,
        "Directory for stored audio, one sub-directory per episode id; default: <instance>/media.",
    ),
    Setting(
        "DEMO_DIR",
        None,
        "Directory of the bundled demo episode (demo.mp3 + transcript.txt); default: <repo>/media/demo.",
    ),
    Setting("API_TOKEN", None, "Bearer token that writes (upload, delete, realign) need; default: generated on "
            "first start into <instance>/api-token and printed once."),
    Setting("MAX_CONTENT_LENGTH", 1024**3, "Largest upload in bytes; bigger requests get 413 before their body "
            "is read."),
    Setting("MAX_DURATION", 4 * 3600, "Longest audio accepted, in seconds."),
    Setting("FFMPEG_PROCESSES", 2, "How many ffmpeg/ffprobe processes may run at once in one server process."),
    Setting("FFMPEG_MEMORY_MB", 1024, "Address-space limit (RLIMIT_AS) of each ffmpeg process, in MiB."),
    Setting("WORKERS", 1, "Alignment worker threads that `seekline serve` runs itself (0: leave the jobs to "
            "`seekline worker`)."),
    Setting("RUN_WORKERS", False, "Start the WORKERS threads inside create_app too (for gunicorn or another "
            "WSGI server)."),
    Setting("BROKER_URL", None, "Redis URL of the Celery broker; when set, new jobs are also sent to "
            "`seekline worker` processes."),
    Setting("LEASE_SECONDS", 60, "How long a worker's claim on a job lasts without a heartbeat before the "
            "reaper requeues it."),
    Setting("MAX_ATTEMPTS", 3, "Attempts before a job whose worker keeps dying is marked failed."),
    Setting("POLL_SECONDS", 1.0, "How often idle embedded workers look for queued jobs and reap lost ones."),
    Setting("CORS_ORIGIN", "*", "Access-Control-Allow-Origin sent with read responses under /api."),
    Setting("PAGE_SIZE", 20, "Default number of episodes per page of GET /api/episodes (at most 100)."),
)


def defaults() -> dict[str, Any]:
    """The declared defaults, as a mapping for ``app.config``."""
    return {s.name: s.default for s in SETTINGS}


def resolve(app: Flask) -> None:
    """Fill the settings whose default depends on the instance folder."""
    instance = Path(app.instance_path)
    if not app.config["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'seekline.sqlite3'}"
    if not app.config["MEDIA_DIR"]:
        app.config["MEDIA_DIR"] = str(instance / "media")
    if not app.config["DEMO_DIR"]:
        app.config["DEMO_DIR"] = str(REPO_DIR / "media" / "demo")
    app.config["MEDIA_DIR"] = str(Path(str(app.config["MEDIA_DIR"])).resolve())
    app.config["DEMO_DIR"] = str(app.config["DEMO_DIR"])
    app.config.setdefault("INSTANCE_DIR", str(instance))


def as_markdown() -> str:
    """The settings as a Markdown table, for the README."""
    rows = ["| Environment variable | Default | Meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = "—" if s.default is None else f"`{s.default}`"
        rows.append(f"| `SEEKLINE_{s.name}` | {default} | {s.help} |")
    return "\n".join(rows)
