"""Seekline's web server: the episode library, its JSON API and the player pages.

Use :func:`create_app`; ``seekline serve`` calls it, then :func:`server.demo.ensure_demo`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import api, config, db, errors, player


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
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)

    db.init_app(app)
    errors.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(player.bp)
    return app


__all__ = ["create_app"]
