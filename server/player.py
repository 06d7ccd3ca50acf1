"""The pages: the episode list and the player, server-rendered from the stored sync map."""

from __future__ import annotations

from flask import Blueprint, render_template

from aligner.models import Segment, SyncMap, ms

from . import library

bp = Blueprint("player", __name__)


@bp.app_template_filter()
def clock(seconds: float | None) -> str:
    """``83.4`` -> ``"1:23"``; hours when needed; ``""`` for ``None``."""
    if seconds is None:
        return ""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@bp.app_template_filter()
def secs(seconds: float | None) -> str:
    """Seconds as the API writes them (ms), for ``data-start``/``data-end``; ``""`` for ``None``."""
    value = ms(seconds)
    return "" if value is None else repr(value)


def speaker_name(syncmap: SyncMap, segment: Segment) -> str:
    """The name shown above a turn: the full name where the transcript gives one, else its label."""
    speaker = syncmap.speaker(segment.speaker)
    if speaker is None:
        return "Unknown speaker" if segment.speaker else ""
    return speaker.name or speaker.label.title()


@bp.get("/")
def index() -> str:
    return render_template("index.html", episodes=library.list_episodes())


@bp.get("/episodes/<episode_id>")
def episode(episode_id: str) -> str:
    ep = library.get_episode(episode_id)
    syncmap = library.get_syncmap(episode_id) if ep.aligned else None
    return render_template("player.html", episode=ep, syncmap=syncmap, speaker_name=speaker_name)
