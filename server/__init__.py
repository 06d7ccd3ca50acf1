"""Seekline's web server: the episode library, its JSON API, alignment jobs and the player pages.

Use :func:`create_app`; ``seekline serve`` calls it, starts the embedded workers and imports the demo.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from aligner import audio
from aligner.transcripts.decode import MAX_BYTES

from . import api, auth, config, db, errors, player, worker


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Seekline app.

    Settings come from :data:`server.config.SETTINGS` defaults, then ``SEEKLINE_*`` environment variables,
    then ``test_config``.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.defaults())
    app.config.from_prefixed_env("SEEKLINE")
    if test_config is not None:
        app.config.from_mapping(test_config)
    config.resolve(app)
    app.config["MAX_FORM_MEMORY_SIZE"] = MAX_BYTES + 4096  # a transcript sent as a text field
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)
    audio.configure(max_processes=int(app.config["FFMPEG_PROCESSES"]),
                    memory_bytes=int(app.config["FFMPEG_MEMORY_MB"]) << 20,
                    max_duration=float(app.config["MAX_DURATION"]))

    db.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(player.bp)
    if app.config["RUN_WORKERS"]:
        worker.start_pool(app, int(app.config["WORKERS"]))
    return app


__all__ = ["create_app"]
