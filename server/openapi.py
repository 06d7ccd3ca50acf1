"""The OpenAPI 3 description of /api, generated from the routes: each view declares its own operation.

``@operation(...)`` next to a view records its summary, parameters, body and responses; :func:`spec` walks
the app's URL map and assembles them with the shared schemas below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar, get_args

from flask import Flask

from aligner.models import SegmentKind

F = TypeVar("F", bound=Callable[..., Any])
JSON = "application/json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


_TIME = {"type": "number", "nullable": True}
_STR = {"type": "string"}
_DATETIME = {"type": "string", "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {"type": "object", "required": ["code", "message"], "additionalProperties": False,
                                 "properties": {"code": _STR, "message": _STR}}},
    },
    "Job": {
        "type": "object",
        "required": ["id", "episode_id", "state", "attempts", "stage", "percent", "error", "created_at"],
        "properties": {
            "id": _STR, "episode_id": _STR,
            "state": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
            "attempts": {"type": "integer", "minimum": 0}, "stage": _nullable(_STR),
            "percent": {"type": "number", "minimum": 0, "maximum": 100}, "error": _nullable(_STR),
            "worker_id": _nullable(_STR), "lease_expires_at": _nullable(_DATETIME),
            "heartbeat_at": _nullable(_DATETIME), "created_at": _DATETIME, "started_at": _nullable(_DATETIME),
            "finished_at": _nullable(_DATETIME),
        },
    },
    "Episode": {
        "type": "object",
        "required": ["id", "title", "language", "status", "error", "duration", "aligned", "created_at", "job",
                     "links"],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9]{12}$"}, "title": _STR, "language": _STR, "level": _STR,
            "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
            "error": _nullable(_STR), "duration": _TIME, "aligned": {"type": "boolean"},
            "created_at": _DATETIME, "job": {**ref("Job"), "nullable": True},
            "links": {"type": "object", "required": ["self", "segments", "audio", "player", "exports"]},
        },
    },
    "EpisodeList": {
        "type": "object", "required": ["episodes", "total", "limit", "offset", "next"],
        "properties": {"episodes": {"type": "array", "items": ref("Episode")},
                       "total": {"type": "integer", "minimum": 0}, "limit": {"type": "integer", "minimum": 1},
                       "offset": {"type": "integer", "minimum": 0}, "next": _nullable(_STR)},
    },
    "Accepted": {
        "type": "object", "required": ["episode", "job"],
        "properties": {"episode": ref("Episode"), "job": ref("Job")},
    },
    "Speaker": {
        "type": "object", "required": ["id", "label"],
        "properties": {"id": _STR, "label": _STR, "name": _nullable(_STR), "role": _nullable(_STR)},
    },
    "Segment": {
        "type": "object", "required": ["id", "kind", "text", "start", "end"],
        "properties": {
            "id": _STR, "speaker": _nullable(_STR), "text": _STR, "start": _TIME, "end": _TIME,
            "kind": {"type": "string", "enum": list(get_args(SegmentKind)),
                     "description": "untranscribed: speech the transcript does not have, such as an ad"},
            "confidence": _TIME,
            "flags": {"type": "array", "items": _STR, "description": (
                "Doubts about the timing: low_confidence, rate_outlier, overlaps_music, voice_mismatch, "
                "start_taken, end_overrun, text_mismatch, not_aligned, and not_in_audio (a turn or sentence the "
                "recording does not hold; zero length). "
                "Others describe the text: intro, archival, through_interpreter, foreign_language.")},
            "children": {"type": "array", "items": ref("Segment")},
        },
    },
    "SyncMap": {
        "type": "object", "required": ["version", "title", "audio", "speakers", "segments"],
        "properties": {
            "version": {"type": "integer"}, "title": _nullable(_STR),
            "audio": {"type": "object", "required": ["duration"], "properties": {"duration": {"type": "number"}}},
            "speakers": {"type": "array", "items": ref("Speaker")},
            "segments": {"type": "array", "items": ref("Segment")},
            "level": {"type": "string", "enum": ["turn", "sentence", "word"]},
        },
    },
    "Playing": {
        "type": "object", "required": ["at", "segment", "sentence"],
        "properties": {"at": {"type": "number"}, "segment": ref("Segment"),
                       "sentence": {**ref("Segment"), "nullable": True}},
    },
}

_REASONS = {400: "Bad request: a parameter is invalid", 401: "Missing or wrong bearer token",
            404: "No such episode, job or route", 405: "Method not allowed", 409: "Not aligned yet",
            413: "Upload too large", 416: "Range not satisfiable", 422: "The audio or transcript was rejected"}


def json_body(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": ref(schema)}}}


def errors(*codes: int) -> dict[int, dict[str, Any]]:
    return {c: json_body("Error", _REASONS[c]) for c in codes}


def param(name: str, where: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path", "schema": schema,
            "description": description}


EPISODE_ID = param("episode_id", "path", {"type": "string", "pattern": "^[a-z0-9]{1,32}$"}, "The episode's id.")


def operation(summary: str, responses: dict[int, dict[str, Any]], *, params: tuple[dict[str, Any], ...] = (),
              body: dict[str, Any] | None = None, write: bool = False) -> Callable[[F], F]:
    """Declare the OpenAPI operation of the view below (``write`` ones need the bearer token)."""

    def decorate(view: F) -> F:
        op: dict[str, Any] = {"summary": summary, "operationId": view.__name__,
                              "responses": {str(k): v for k, v in responses.items()}}
        if params:
            op["parameters"] = list(params)
        if body is not None:
            op["requestBody"] = body
        if write:
            op["security"] = [{"bearer": []}]
        view._openapi = op  # type: ignore[attr-defined]
        return view

    return decorate


def _path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.0 document for every documented route of ``app``."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        op = getattr(app.view_functions.get(rule.endpoint), "_openapi", None)
        if op is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule.rule), {})[method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": "Seekline API", "version": "1",
                 "description": "Episodes, alignment jobs, sync maps, exports and audio of a Seekline library. "
                                "Reads are open (with CORS); writes need 'Authorization: Bearer <token>'."},
        "paths": paths,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
