"""The JSON API under /api: episodes, jobs, sync maps, exports and audio. Views are thin: parse, call
:mod:`server.library`, shape the response; each declares its OpenAPI operation (:mod:`server.openapi`)."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response, abort, current_app, request, send_file, url_for

from aligner import export
from aligner.models import LEVELS as ALIGN_LEVELS
from aligner.models import Segment, SyncMap
from aligner.transcript import FORMATS as TRANSCRIPT_FORMATS
from aligner.transcripts.decode import MAX_BYTES

from . import auth, library, openapi
from .errors import NotFoundError
from .openapi import EPISODE_ID, JSON, errors, json_body, operation, param

bp = Blueprint("api", __name__, url_prefix="/api")
bp.before_request(auth.check_write)
bp.after_app_request(auth.cors)  # also on /api routing errors, which have no blueprint

LEVELS = ("turn", "sentence", "word")
_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def _episode_json(episode: library.Episode) -> dict[str, Any]:
    links = {
        "self": url_for("api.episode", episode_id=episode.id),
        "segments": url_for("api.segments", episode_id=episode.id),
        "audio": url_for("api.audio", episode_id=episode.id),
        "player": url_for("player.episode", episode_id=episode.id),
        "exports": {fmt: url_for("api.export_as", episode_id=episode.id, fmt=fmt) for fmt in export.FORMATS},
    }
    if episode.job is not None:
        links["job"] = url_for("api.job", job_id=episode.job.id)
    return {**episode.to_dict(), "links": links}


def _flat(segment: Segment | None, speaker: str | None = None) -> dict[str, Any] | None:
    if segment is None:
        return None
    d = segment.to_dict()
    d.pop("children", None)
    if speaker is not None:
        d["speaker"] = speaker
    return d


def _number(name: str, raw: str, *, integer: bool = False, low: float = 0, high: float = math.inf) -> float:
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        abort(400, description=f"{name}={raw!r} is not a {'whole ' if integer else ''}number")
    if not (math.isfinite(value) and low <= value <= high):
        abort(400, description=f"{name}={raw!r} is out of range; give a value from {low:g} to {high:g}")
    return value


def _choice(name: str, options: tuple[str, ...]) -> str | None:
    raw = request.args.get(name)
    if raw is not None and raw not in options:
        abort(400, description=f"{name}={raw!r} is not allowed; use one of {', '.join(options)}")
    return raw


def _level(syncmap: SyncMap, level: str | None, flagged: bool) -> dict[str, Any]:
    """The sync map, or its turns/cues or sentences only, optionally just the flagged ones."""
    doc = syncmap.to_dict()
    if level is None:
        if flagged:
            doc["segments"] = [s.to_dict() for s in syncmap.segments
                               if s.flags or any(c.flags for c in s.children)]
        return doc
    if level == "turn":
        items = [_flat(s) for s in syncmap.segments if not flagged or s.flags]
    elif level == "sentence":
        items = [_flat(c, s.speaker) for s in syncmap.segments for c in s.children if not flagged or c.flags]
    else:  # words carry no flags of their own: a flagged sentence's words are the flagged ones
        items = [_flat(w, s.speaker) for s in syncmap.segments for c in s.children for w in c.children
                 if not flagged or c.flags]
    return {**doc, "level": level, "segments": items}


@bp.get("/openapi.json")
def openapi_json() -> dict[str, Any]:
    return openapi.spec(current_app)


@bp.get("/episodes")
@operation("List episodes, newest first", {200: json_body("EpisodeList", "A page of episodes"), **errors(400)},
           params=(param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100}, "Page size."),
                   param("offset", "query", {"type": "integer", "minimum": 0}, "Episodes to skip.")))
def episodes() -> dict[str, Any]:
    limit = int(_number("limit", request.args.get("limit", str(current_app.config["PAGE_SIZE"])), integer=True,
                        low=1, high=100))
    offset = int(_number("offset", request.args.get("offset", "0"), integer=True, high=2**31))
    total = library.count_episodes()
    items = [_episode_json(e) for e in library.list_episodes(limit, offset)]
    nxt = url_for("api.episodes", limit=limit, offset=offset + limit) if offset + limit < total else None
    return {"episodes": items, "total": total, "limit": limit, "offset": offset, "next": nxt}


_UPLOAD = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["audio", "transcript"],
    "properties": {
        "audio": {"type": "string", "format": "binary", "description": "mp3, m4a, ogg, flac or wav"},
        "transcript": {"type": "string", "description": "The transcript, as a file or as text"},
        "title": {"type": "string", "maxLength": 500},
        "language": {"type": "string", "pattern": "^[a-z]{3}$", "default": "eng"},
        "level": {"type": "string", "enum": list(ALIGN_LEVELS), "default": "sentence",
                  "description": "word: also time every word (slower)"},
        "format": {"type": "string", "enum": list(TRANSCRIPT_FORMATS)},
    }}}}}


@bp.post("/episodes")
@operation("Upload an episode and queue its alignment",
           {202: json_body("Accepted", "Stored; its alignment job is queued"), **errors(400, 401, 413, 422)},
           body=_UPLOAD, write=True)
def create_episode() -> tuple[dict[str, Any], int, dict[str, str]]:
    audio = request.files.get("audio")  # reading the form raises 413 first when the body is too large
    if audio is None:
        abort(400, description="no 'audio' file in the form; send multipart/form-data with an 'audio' file")
    text_file = request.files.get("transcript")
    transcript: str | bytes | None = text_file.stream.read(MAX_BYTES + 1) if text_file else None
    if transcript is None:
        transcript = request.form.get("transcript")
    if transcript is None:
        abort(400, description="no 'transcript' in the form; send it as a file or as a text field")
    form = request.form
    episode = library.add_upload(audio.stream, transcript, title=form.get("title") or None,
                                 language=form.get("language") or "eng", level=form.get("level") or "sentence",
                                 format=form.get("format") or None, filename=audio.filename)
    body = {"episode": _episode_json(episode), "job": episode.job.to_dict() if episode.job else None}
    return body, 202, {"Location": url_for("api.episode", episode_id=episode.id)}


@bp.get("/episodes/<episode_id>")
@operation("An episode: metadata, job state and progress", {200: json_body("Episode", "The episode"),
                                                            **errors(404)}, params=(EPISODE_ID,))
def episode(episode_id: str) -> dict[str, Any]:
    return _episode_json(library.get_episode(episode_id))


@bp.delete("/episodes/<episode_id>")
@operation("Delete an episode and its files", {204: {"description": "Deleted"}, **errors(401, 404)},
           params=(EPISODE_ID,), write=True)
def delete_episode(episode_id: str) -> tuple[str, int]:
    library.delete_episode(episode_id)
    return "", 204


@bp.post("/episodes/<episode_id>/realign")
@operation("Align the episode again (optionally in another language or at another level)",
           {202: json_body("Job", "The queued (or already active) job"), **errors(400, 401, 404)},
           params=(EPISODE_ID, param("language", "query", {"type": "string", "pattern": "^[a-z]{3}$"},
                                     "ISO 639-3 language of the text."),
                   param("level", "query", {"type": "string", "enum": list(ALIGN_LEVELS)},
                         "sentence, or word to also time every word.")), write=True)
def realign(episode_id: str) -> tuple[dict[str, Any], int]:
    job = library.realign(episode_id, language=request.args.get("language") or None,
                          level=request.args.get("level") or None)
    return job.to_dict(), 202


@bp.get("/jobs/<job_id>")
@operation("A job: state, stage, percent, attempts and error", {200: json_body("Job", "The job"), **errors(404)},
           params=(param("job_id", "path", {"type": "string", "pattern": "^[a-z0-9]{1,32}$"}, "The job's id."),))
def job(job_id: str) -> dict[str, Any]:
    return library.get_job(job_id).to_dict()


@bp.get("/episodes/<episode_id>/segments")
@operation("The sync map, one level of it, or what plays at a time",
           {200: {"description": "The sync map (or, with at=, the playing turn and sentence)",
                  "content": {JSON: {"schema": {"oneOf": [openapi.ref("SyncMap"), openapi.ref("Playing")]}}}},
            **errors(400, 404, 409)},
           params=(EPISODE_ID,
                   param("level", "query", {"type": "string", "enum": list(LEVELS)},
                         "Only turns, sentences or words (words: word-level alignments only)."),
                   param("at", "query", {"type": "number", "minimum": 0}, "Seconds: what plays then (404 in a gap)."),
                   param("flagged", "query", {"type": "boolean"}, "Only flagged segments.")))
def segments(episode_id: str) -> dict[str, Any]:
    level = _choice("level", LEVELS)
    flagged = _choice("flagged", tuple(_BOOLS))
    raw = request.args.get("at")
    t = None if raw is None else _number("at", raw)
    syncmap = library.get_syncmap(episode_id)
    if t is None:
        return _level(syncmap, level, _BOOLS.get(flagged or "false", False))
    found = syncmap.at(t)
    if found is None:
        raise NotFoundError(f"nothing is playing at {t:g} s in episode {episode_id!r} (a gap or past the end)")
    segment, sentence = found
    return {"at": t, "segment": _flat(segment), "sentence": _flat(sentence)}


@bp.get("/episodes/<episode_id>/export.<fmt>")
@operation("The sync map as JSON, WebVTT, SRT, Podcasting 2.0 JSON or HTML",
           {200: {"description": "The export", "content": {
               mt.split(";")[0]: {"schema": {"type": "string"} if "json" not in mt else {"type": "object"}}
               for mt in sorted(set(export.MEDIA_TYPES.values()))}}, **errors(404, 409)},
           params=(EPISODE_ID, param("fmt", "path", {"type": "string", "enum": list(export.FORMATS)}, "Format.")))
def export_as(episode_id: str, fmt: str) -> Response:
    if fmt not in export.FORMATS:
        raise NotFoundError(f"unknown export format {fmt!r}; use one of {', '.join(export.FORMATS)}")
    body = export.render(library.get_syncmap(episode_id), fmt)
    return Response(body, content_type=export.MEDIA_TYPES[fmt])


@bp.get("/episodes/<episode_id>/audio")
@operation("The playback copy (constant-bitrate MP3), with Range and conditional requests",
           {200: {"description": "The whole file", "content": {"audio/mpeg": {"schema": {"type": "string",
                                                                                          "format": "binary"}}}},
            206: {"description": "The requested byte range",
                  "content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}},
            304: {"description": "Not modified (If-None-Match)"}, **errors(404, 416)},
           params=(EPISODE_ID,))
def audio(episode_id: str) -> Response:
    response = send_file(library.audio_path(episode_id), mimetype="audio/mpeg", conditional=True, etag=True,
                         max_age=3600)
    response.cache_control.no_transform = True  # no proxy may compress or re-encode it
    return response
