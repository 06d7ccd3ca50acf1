"""Shared fixtures: a Flask app on a temporary instance, its clients, and small real episodes."""

from __future__ import annotations

import re
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
import services
import synth
from browser import Console, chromium
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from aligner.models import Segment, Speaker, SyncMap
from server import create_app, db, library
from server.config import REPO_DIR

DEMO_DIR = REPO_DIR / "media" / "demo"
API_TOKEN = "test-token-" + "x" * 20
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}

# A short NPR-style show written for the tests: (label line, speaker id, espeak voice, text).
SHOW = [
    (
        "ALEX MORGAN, HOST",
        "morgan",
        "en-us",
        "The harbor lights came back on tonight. Crews worked for three days.",
    ),
    (
        "JORDAN LEE, BYLINE",
        "lee",
        "en-gb+m3",
        "The old lamps are made of brass and glass. Each one was cleaned by hand.",
    ),
    ("MORGAN", "morgan", "en-us", "How long will they last this time?"),
    ("LEE", "lee", "en-gb+m3", "The crews say ten years at least. Then the work starts again."),
]
CUE_AFTER = 2  # "(SOUNDBITE OF MUSIC)" after the second turn
SPEAKERS = (Speaker("morgan", "MORGAN", "Alex Morgan", "host"), Speaker("lee", "LEE", "Jordan Lee", "byline"))


@dataclass(frozen=True)
class Show:
    """A small broadcast built with espeak-ng: its audio, transcript text and the sync map it truly has."""

    audio: Path
    transcript: str
    truth: SyncMap


def show_transcript() -> str:
    lines = ["Harbor Lights Return", ""]
    for i, (label, _id, _voice, text) in enumerate(SHOW, start=1):
        lines += [f"{label}: {text}", ""]
        if i == CUE_AFTER:
            lines += ["(SOUNDBITE OF MUSIC)", ""]
    return "\n".join(lines)


def _sentences(turn_id: str, text: str, start: float, end: float) -> tuple[Segment, ...]:
    """Split a turn's span over its sentences in proportion to their length (good enough for API tests)."""
    parts = re.split(r"(?<=[.?!])\s+", text)
    total = sum(len(p) for p in parts)
    out, t = [], start
    for k, part in enumerate(parts, start=1):
        stop = end if k == len(parts) else round(t + (end - start) * len(part) / total, 3)
        out.append(Segment(id=f"{turn_id}.s{k}", kind="sentence", text=part, start=round(t, 3), end=stop))
        t = stop
    return tuple(out)


@pytest.fixture(scope="session")
def show(tmp_path_factory: pytest.TempPathFactory) -> Show:
    """The espeak-ng show as a constant-bitrate MP3, with a music cue, and its true sync map."""
    tmp = tmp_path_factory.mktemp("show")
    wav, mp3 = tmp / "show.wav", tmp / "show.mp3"
    turns = [(spk, voice, text) for _label, spk, voice, text in SHOW]
    truth = synth.build(turns, wav, lead_in=np.zeros(synth.SR, dtype=np.float32))
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(wav),
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
            "-ar",
            "22050",
            str(mp3),
        ],
        check=True,
    )
    duration = float(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(mp3)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    segments: list[Segment] = []
    for i, (t, (_label, spk, _voice, text)) in enumerate(zip(truth, SHOW, strict=True), start=1):
        segments.append(
            Segment(
                id=f"t{i}",
                kind="turn",
                text=text,
                start=t.start,
                end=t.end,
                speaker=spk,
                children=_sentences(f"t{i}", text, t.start, t.end),
            )
        )
        if i == CUE_AFTER:
            segments.append(
                Segment(id="c1", kind="cue", text="(SOUNDBITE OF MUSIC)", start=t.end, end=truth[i].start)
            )
    syncmap = SyncMap(
        duration=round(duration, 3), speakers=SPEAKERS, segments=tuple(segments), title="Harbor Lights Return"
    )
    return Show(audio=mp3, transcript=show_transcript(), truth=syncmap)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[services.Postgres]:
    """A throwaway PostgreSQL for the whole session (skipped only when its programs are not installed)."""
    try:
        with services.postgres() as pg:
            yield pg
    except FileNotFoundError as e:
        pytest.skip(f"PostgreSQL is not installed ({e}); `make test` installs it")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server for the whole session (skipped only when it is not installed)."""
    try:
        with services.redis() as url:
            yield url
    except FileNotFoundError as e:
        pytest.skip(f"redis-server is not installed ({e}); `make test` installs it")


@pytest.fixture
def postgres_url(postgres_server: services.Postgres) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    name = "t_" + secrets.token_hex(6)
    admin = {"host": str(postgres_server.socket_dir), "port": postgres_server.port, "user": postgres_server.user,
             "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield postgres_server.url(name)
    with psycopg.connect(**admin) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite by default; tests/test_storage.py overrides this to run on PostgreSQL too."""
    return f"sqlite:///{tmp_path / 'seekline.sqlite3'}"


def make_app(tmp_path: Path, database_url: str, **extra: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "DEMO_DIR": str(tmp_path / "no-demo"),
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "API_TOKEN": API_TOKEN,
            **extra,
        }
    )


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, database_url)
    yield app
    db.dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def episode(app: Flask, show: Show) -> library.Episode:
    """The show in the library with its true sync map stored directly (no aligner run: fast)."""
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript, title="Harbor Lights Return")
        return library.store_syncmap(ep.id, show.truth)


@pytest.fixture
def demo_episode(app: Flask, show: Show) -> library.Episode:
    """The bundled demo, imported and aligned for real, when media/demo exists; else the espeak show."""
    if (DEMO_DIR / "demo.mp3").is_file() and (DEMO_DIR / "transcript.txt").is_file():
        from server.demo import ensure_demo

        app.config["DEMO_DIR"] = str(DEMO_DIR)
        ep = ensure_demo(app)
        assert ep is not None and ep.aligned, "the bundled demo episode failed to import or align"
        return ep
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
        return library.store_syncmap(ep.id, show.truth)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, one per test module (tests/browser.py starts it)."""
    with chromium() as b:
        yield b


@pytest.fixture
def console() -> Console:
    """Collects the page's console errors; tests assert there are none."""
    return Console()
