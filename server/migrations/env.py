"""Alembic environment: :func:`server.db.migrate` (run by ``create_app``) passes its connection in;
``alembic -x url=URL`` with a config pointing here works too."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from server.db import Base, normalize_url

target_metadata = Base.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
