"""The episode library and its storage: ids, media files, atomic writes, alignment and the demo."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
from conftest import Show
from flask import Flask
from sqlalchemy import func, select, text

from aligner.errors import AlignmentError, AudioError, TranscriptError
from server import config, create_app, db, library
from server.db import EpisodeRow, JobRow, SyncMapRow, TranscriptRow, get_session
from server.demo import ensure_demo
from server.errors import NotFoundError


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every storage test runs on SQLite and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'seekline.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


def row_count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(EpisodeRow))


def test_add_episode_copies_audio_under_a_generated_id(app: Flask, show: Show, tmp_path: Path) -> None:
    user_file = tmp_path / "My Show (final).mp3"
    shutil.copyfile(show.audio, user_file)
    with app.app_context():
        ep = library.add_episode(user_file, show.transcript)
        stored = library.audio_path(ep.id)
    media = Path(app.config["MEDIA_DIR"])
    assert stored == media / ep.id / "original.mp3"
    assert stored.read_bytes() == user_file.read_bytes()
    assert files_under(media) == [stored]  # no temp file left behind, no user file name
    assert "final" not in str(stored)
    assert (
        ep.status == "queued"
        and not ep.aligned
        and ep.duration == pytest.approx(show.truth.duration, abs=0.1)
    )


def test_ids_are_short_random_and_url_safe(app: Flask, show: Show) -> None:
    with app.app_context():
        ids = {library.add_episode(show.audio, show.transcript).id for _ in range(3)}
    assert len(ids) == 3
    assert all(re.fullmatch(r"[a-z0-9]{12}", i) for i in ids)


def test_text_file_named_mp3_is_rejected_leaving_nothing(app: Flask, show: Show, tmp_path: Path) -> None:
    fake = tmp_path / "story.mp3"
    fake.write_text("not audio\n" * 100)
    with app.app_context(), pytest.raises(AudioError):
        library.add_episode(fake, show.transcript)
    assert files_under(Path(app.config["MEDIA_DIR"])) == [] and row_count(app) == 0


@pytest.mark.parametrize("text", ["", "   \n\n  "])
def test_empty_transcript_is_rejected_leaving_nothing(app: Flask, show: Show, text: str) -> None:
    with app.app_context(), pytest.raises(TranscriptError):
        library.add_episode(show.audio, text)
    assert files_under(Path(app.config["MEDIA_DIR"])) == [] and row_count(app) == 0


def test_sync_map_round_trips_through_storage(app: Flask, episode: library.Episode, show: Show) -> None:
    with app.app_context():
        assert library.get_syncmap(episode.id) == show.truth
        assert library.get_episode(episode.id).status == "succeeded"


def test_library_survives_a_new_app_on_the_same_database(app: Flask, episode: library.Episode) -> None:
    again = create_app(
        {"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "MEDIA_DIR": app.config["MEDIA_DIR"],
         "API_TOKEN": app.config["API_TOKEN"]}
    )
    try:
        with again.app_context():
            assert [e.id for e in library.list_episodes()] == [episode.id]
            assert library.audio_path(episode.id).is_file()
    finally:
        db.dispose(again)


def table_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {t.__tablename__: get_session().scalar(select(func.count()).select_from(t))
                for t in (EpisodeRow, TranscriptRow, SyncMapRow, JobRow)}


def test_an_episode_is_stored_as_rows_in_four_tables(app: Flask, episode: library.Episode) -> None:
    assert table_counts(app) == {"episodes": 1, "transcripts": 1, "syncmaps": 1, "jobs": 1}
    with app.app_context():
        row = get_session().scalars(select(SyncMapRow)).one()
        assert row.input_hash == library.episode_input_hash(episode.id) and len(row.input_hash) == 64
    assert row.episode_id == episode.id and row.aligner_version == library.ALIGNER_VERSION


def test_delete_removes_rows_and_files(app: Flask, episode: library.Episode) -> None:
    with app.app_context():
        library.delete_episode(episode.id)
        with pytest.raises(NotFoundError):
            library.get_episode(episode.id)
    assert not (Path(app.config["MEDIA_DIR"]) / episode.id).exists()
    assert table_counts(app) == {"episodes": 0, "transcripts": 0, "syncmaps": 0, "jobs": 0}


def test_schema_comes_from_the_alembic_migrations(app: Flask) -> None:
    with db.database(app).engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
    again = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                        "MEDIA_DIR": app.config["MEDIA_DIR"], "API_TOKEN": "x"})  # migrating again: a no-op
    db.dispose(again)


def test_generated_api_token_is_kept_in_the_instance_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cfg = {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}", "INSTANCE_DIR": str(tmp_path)}
    first = create_app(cfg)
    token = first.config["API_TOKEN"]
    assert token in capsys.readouterr().err and len(token) >= 40
    assert (tmp_path / "api-token").read_text().strip() == token
    assert (tmp_path / "api-token").stat().st_mode & 0o777 == 0o600
    second = create_app(cfg)
    assert second.config["API_TOKEN"] == token and token not in capsys.readouterr().err
    for a in (first, second):
        db.dispose(a)


def test_settings_come_from_seekline_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SEEKLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("SEEKLINE_MEDIA_DIR", str(tmp_path / "env-media"))
    monkeypatch.setenv("SEEKLINE_API_TOKEN", "from-the-environment")
    monkeypatch.setenv("SEEKLINE_MAX_CONTENT_LENGTH", "12345")
    app = create_app()
    try:
        assert app.config["MEDIA_DIR"] == str(tmp_path / "env-media")
        assert app.config["API_TOKEN"] == "from-the-environment" and app.config["MAX_CONTENT_LENGTH"] == 12345
        assert (tmp_path / "env.sqlite3").is_file()
    finally:
        db.dispose(app)


def test_default_storage_is_in_the_instance_folder(tmp_path: Path) -> None:
    app = Flask("seekline_test", instance_path=str(tmp_path / "instance"))
    app.config.from_mapping(config.defaults())
    config.resolve(app)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'seekline.sqlite3'}"
    assert app.config["MEDIA_DIR"] == str(tmp_path / "instance" / "media")
    assert app.config["DEMO_DIR"] == str(config.REPO_DIR / "media" / "demo")


def test_settings_are_documented_from_one_list() -> None:
    table = config.as_markdown()
    for setting in config.SETTINGS:
        assert f"`SEEKLINE_{setting.name}`" in table and setting.help in table


def test_align_episode_runs_the_real_aligner(app: Flask, show: Show) -> None:
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
        done = library.align_episode(ep.id)
        syncmap = library.get_syncmap(ep.id)
    assert done.status == "succeeded" and done.aligned and done.error is None
    got = [s for s in syncmap.segments if s.kind == "turn"]
    want = [s for s in show.truth.segments if s.kind == "turn"]
    assert [s.speaker for s in got] == [s.speaker for s in want]
    for g, w in zip(got, want, strict=True):
        assert abs(g.start - w.start) < 0.25, (g.id, g.start, w.start)
    assert [s.kind for s in syncmap.segments] == [s.kind for s in show.truth.segments]


def test_failed_alignment_is_recorded(app: Flask, show: Show, tmp_path: Path) -> None:
    long_text = "\n\n".join(f"HOST: {'Words and more words that nobody said here. ' * 40}" for _ in range(10))
    with app.app_context():
        ep = library.add_episode(show.audio, long_text)
        with pytest.raises(AlignmentError):
            library.align_episode(ep.id)
        failed = library.get_episode(ep.id)
    assert failed.status == "failed" and "more than could be spoken" in (failed.error or "")


def test_ensure_demo_without_demo_files_logs_and_does_nothing(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert ensure_demo(app) is None
    assert "No demo episode" in caplog.text and row_count(app) == 0


def test_ensure_demo_imports_and_aligns_once(app: Flask, show: Show, tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copyfile(show.audio, demo / "demo.mp3")
    (demo / "transcript.txt").write_text(show.transcript, encoding="utf-8")
    app.config["DEMO_DIR"] = str(demo)
    first = ensure_demo(app)
    assert first is not None and first.aligned and first.status == "succeeded"
    second = ensure_demo(app)
    assert second is not None and second.id == first.id and row_count(app) == 1
    (demo / "transcript.txt").write_text(
        show.transcript.replace("ten years", "twelve years"), encoding="utf-8"
    )
    third = ensure_demo(app)
    assert third is not None and third.id != first.id and third.aligned and row_count(app) == 1


def test_a_0001_database_upgrades_and_its_episodes_stay_sentence_level(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.connect() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(db.MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO episodes (id, title, language, audio_file, playback_file, input_hash, "
                          "created_at, updated_at) VALUES ('abcdefabcdef', 'Old', 'eng', 'a', 'b', 'h', "
                          "'2026-01-01', '2026-01-01')"))
        conn.commit()
    engine.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "MEDIA_DIR": str(tmp_path / "media"), "API_TOKEN": "x"})
    with db.database(app).engine.connect() as conn:
        assert conn.execute(text("SELECT level FROM episodes WHERE id = 'abcdefabcdef'")).scalar() == "sentence"
    db.dispose(app)
