"""The JSON API under /api: episodes, their sync maps, exports and audio."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response, abort, request, send_file, url_for

from aligner import export
from aligner.models import Segment

from . import library
from .errors import NotFoundError

bp = Blueprint("api", __name__, url_prefix="/api")


def _episode_json(episode: library.Episode) -> dict[str, Any]:
    links = {
        "self": url_for("api.episode", episode_id=episode.id),
        "segments": url_for("api.segments", episode_id=episode.id),
        "audio": url_for("api.audio", episode_id=episode.id),
        "player": url_for("player.episode", episode_id=episode.id),
        "exports": {fmt: url_for("api.export_as", episode_id=episode.id, fmt=fmt) for fmt in export.FORMATS},
    }
    return {**episode.to_dict(), "links": links}


def _flat(segment: Segment | None) -> dict[str, Any] | None:
    if segment is None:
        return None
    d = segment.to_dict()
    d.pop("children", None)
    return d


def _seconds(raw: str) -> float:
    try:
        t = float(raw)
    except ValueError:
        abort(400, description=f"at={raw!r} is not a number; give the time in seconds, such as at=12.5")
    if not math.isfinite(t) or t < 0:
        abort(400, description=f"at={raw!r} is out of range; give a time of zero seconds or more")
    return t


@bp.get("/episodes")
def episodes() -> dict[str, Any]:
    return {"episodes": [_episode_json(e) for e in library.list_episodes()]}


@bp.get("/episodes/<episode_id>")
def episode(episode_id: str) -> dict[str, Any]:
    return _episode_json(library.get_episode(episode_id))


@bp.get("/episodes/<episode_id>/segments")
def segments(episode_id: str) -> dict[str, Any]:
    syncmap = library.get_syncmap(episode_id)
    raw = request.args.get("at")
    if raw is None:
        return syncmap.to_dict()
    t = _seconds(raw)
    found = syncmap.at(t)
    if found is None:
        raise NotFoundError(
            f"nothing is playing at {t:g} s in episode {episode_id!r} (a gap or past the end)"
        )
    segment, sentence = found
    return {"at": t, "segment": _flat(segment), "sentence": _flat(sentence)}


@bp.get("/episodes/<episode_id>/export.<fmt>")
def export_as(episode_id: str, fmt: str) -> Response:
    if fmt not in export.FORMATS:
        raise NotFoundError(f"unknown export format {fmt!r}; use one of {', '.join(export.FORMATS)}")
    body = export.render(library.get_syncmap(episode_id), fmt)
    return Response(body, content_type=export.MEDIA_TYPES[fmt])


@bp.get("/episodes/<episode_id>/audio")
def audio(episode_id: str) -> Response:
    return send_file(library.audio_path(episode_id), conditional=True, etag=True, max_age=3600)
