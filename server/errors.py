"""One error shape for the API, built by one function and returned by one app-level handler."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from aligner.errors import SeeklineError


class NotFoundError(SeeklineError):
    """The episode (or export format) asked for does not exist."""

    status = 404
    code = "not_found"


class BadRequestError(SeeklineError):
    """A request parameter is invalid (the message says which and what to send)."""

    status = 400
    code = "bad_request"


class NotReadyError(SeeklineError):
    """The episode exists but has no sync map yet."""

    status = 409
    code = "not_aligned"


def error_body(code: str, message: str) -> dict[str, Any]:
    """The canonical JSON error body: ``{"error": {"code": ..., "message": ...}}``."""
    return {"error": {"code": code, "message": message}}


def _http_code(e: HTTPException) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (e.name or "error").lower()).strip("_")


def _wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def handle_error(e: Exception) -> Response | HTTPException | tuple[Any, ...]:
    """Turn any exception into the JSON error (under /api) or an HTML error page, never a traceback."""
    headers: list[tuple[str, str]] = []
    if isinstance(e, HTTPException):
        if e.code is None or e.code < 400:  # redirects raised by routing pass through untouched
            return e
        if not _wants_json():
            return e
        status, code, message = e.code, _http_code(e), e.description or e.name
        headers = [(k, v) for k, v in e.get_headers() if k.lower() != "content-type"]
    elif isinstance(e, SeeklineError):
        status, code, message = e.status, e.code, e.message
    else:
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        status, code, message = (
            500,
            "internal_error",
            "Internal server error; the details are in the server log.",
        )
    if _wants_json():
        response = jsonify(error_body(code, message))
        response.status_code = status
        response.headers.extend(headers)
        return response
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    app.register_error_handler(Exception, handle_error)
