"""The server's commands: `seekline import` (queue and follow a job), `seekline jobs`, `seekline export`."""

from __future__ import annotations

from pathlib import Path

import pytest
import webvtt
from click.testing import CliRunner
from conftest import Show

from server.cli import main


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"SEEKLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
            "SEEKLINE_MEDIA_DIR": str(tmp_path / "media"), "SEEKLINE_API_TOKEN": "cli-token"}


def test_import_aligns_then_jobs_and_export_show_it(env: dict[str, str], show: Show, tmp_path: Path) -> None:
    script = tmp_path / "show.txt"
    script.write_text(show.transcript, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(show.audio), str(script), "--title", "Harbor"], env=env)
    assert result.exit_code == 0, result.output
    episode_id = result.stdout.strip().splitlines()[-1]
    assert len(episode_id) == 12 and "Aligning" in result.stderr

    listing = runner.invoke(main, ["jobs"], env=env)
    assert listing.exit_code == 0, listing.output
    [row] = [line for line in listing.stdout.splitlines() if episode_id in line]
    assert "succeeded" in row and "100.0" in row

    out = tmp_path / "show.vtt"
    exported = runner.invoke(main, ["export", episode_id, "--format", "vtt", "-o", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    assert len(webvtt.read(str(out)).captions) >= 8 and "<v Alex Morgan>" in out.read_text()


def test_import_of_bad_audio_exits_66_leaving_nothing(env: dict[str, str], show: Show, tmp_path: Path) -> None:
    fake, script = tmp_path / "-fake.mp3", tmp_path / "show.txt"
    fake.write_text("not audio\n" * 50)
    script.write_text(show.transcript, encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(fake), str(script)], env=env)
    assert result.exit_code == 66 and result.stderr.startswith("Error: ")
    media = Path(env["SEEKLINE_MEDIA_DIR"])
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_worker_without_a_broker_says_what_to_set(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["worker"], env=env)
    assert result.exit_code == 75 and "SEEKLINE_BROKER_URL" in result.stderr


def test_export_of_an_unknown_episode_fails_cleanly(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["export", "nosuchepisode"], env=env)
    assert result.exit_code == 1 and "nosuchepisode" in result.stderr
