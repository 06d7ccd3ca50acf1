"""Bearer-token auth for writes, and CORS headers for reads.

The token is ``SEEKLINE_API_TOKEN``, or one generated on first start, kept in ``<instance>/api-token``
(mode 0600) and printed once. Tokens are compared with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
import sys
import tempfile
from pathlib import Path

from flask import Flask, Response, abort, current_app, request
from werkzeug.datastructures import WWWAuthenticate

TOKEN_FILE = "api-token"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXPOSED = "Content-Range, Accept-Ranges, Content-Length, Content-Type, ETag, Last-Modified"
READ_HEADERS = "Range, If-None-Match, If-Modified-Since, If-Range, Accept"


def _stored_token(instance: Path) -> str:
    """The instance folder's token, made (atomically, 0600) and printed the first time."""
    path = instance / TOKEN_FILE
    if path.is_file():
        token = path.read_text(encoding="ascii").strip()
        if token:
            return token
    instance.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd, tmp = tempfile.mkstemp(dir=instance, prefix=".token-")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(token + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    print(f"Seekline: generated an API token for writes, saved in {path}:\n  {token}", file=sys.stderr)
    return token


def init_app(app: Flask) -> None:
    if not app.config.get("API_TOKEN"):
        app.config["API_TOKEN"] = _stored_token(Path(app.config["INSTANCE_DIR"]))
    app.config["API_TOKEN"] = str(app.config["API_TOKEN"])


def check_write() -> None:
    """Abort with 401 unless the request carries ``Authorization: Bearer <the token>``.

    Runs before the view, so an unauthorised upload is refused before its body is read.
    """
    if request.method not in WRITE_METHODS or request.routing_exception is not None:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    expected = current_app.config["API_TOKEN"]
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        abort(401, description="writes need the header 'Authorization: Bearer <token>'; the token is "
                               "SEEKLINE_API_TOKEN or the one in the instance folder's api-token file",
              www_authenticate=WWWAuthenticate("bearer", {"realm": "seekline"}))


def cors(response: Response) -> Response:
    """Let a player on another site read JSON, exports and audio (including ranges); never writes."""
    if request.method in WRITE_METHODS or not (request.path == "/api" or request.path.startswith("/api/")):
        return response
    response.headers["Access-Control-Allow-Origin"] = current_app.config["CORS_ORIGIN"]
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if current_app.config["CORS_ORIGIN"] != "*":
        response.vary.add("Origin")
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = READ_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
