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


def as_markdown() -> str:
    """The settings as a Markdown table, for the README."""
    rows = ["| Environment variable | Default | Meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = "derived" if s.default is None else f"`{s.default}`"
        rows.append(f"| `SEEKLINE_{s.name}` | {default} | {s.help} |")
    return "\n".join(rows)
