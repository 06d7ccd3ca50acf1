"""The seekline command line, run through Click's CliRunner on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import synth
import webvtt
from click.testing import CliRunner

from aligner.cli import main

LINES = [
    ("KIM", "en-us", "The river rose two feet overnight. Crews are stacking sandbags on Main Street."),
    ("ORTIZ", "en-gb+m3", "We have never seen water this high in April. The bridge is closed until Friday."),
]


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[synth.TurnTruth]]:
    folder = tmp_path_factory.mktemp("cli")
    audio = folder / "flood.wav"
    truth = synth.build([(s, v, t) for s, v, t in LINES], audio)
    script = folder / "flood.txt"
    script.write_text("".join(f"{s}: {t}\n\n" for s, _v, t in LINES))
    return audio, script, truth


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_align_writes_the_canonical_json_sync_map(episode, tmp_path: Path) -> None:
    audio, script, truth = episode
    out = tmp_path / "flood.json"
    code, _, err = run("align", str(audio), str(script), "-o", str(out))
    assert code == 0, err
    doc = json.loads(out.read_text())
    turns = [s for s in doc["segments"] if s["kind"] == "turn"]
    assert [t["speaker"] for t in turns] == ["kim", "ortiz"]
    assert all(abs(t["start"] - tr.start) < 0.25 for t, tr in zip(turns, truth, strict=True))
    assert "Wrote 2 turns" in err


def test_align_writes_webvtt_with_voices(episode, tmp_path: Path) -> None:
    audio, script, _ = episode
    out = tmp_path / "flood.vtt"
    code, _, err = run("align", str(audio), str(script), "-o", str(out), "--format", "vtt")
    assert code == 0, err
    captions = webvtt.read(str(out)).captions
    assert len(captions) == 4  # two sentences a turn
    assert "<v KIM>" in out.read_text()


def test_parse_prints_turns_as_json(episode) -> None:
    code, out, err = run("parse", str(episode[1]))
    assert code == 0, err
    doc = json.loads(out)
    assert [s["speaker"] for s in doc["segments"]] == ["kim", "ortiz"]
    assert doc["segments"][0]["sentences"][1] == "Crews are stacking sandbags on Main Street."


@pytest.mark.parametrize(
    ("make_audio", "make_text", "message"),
    [
        (lambda p: p / "missing.mp3", lambda p: p / "t.txt", "audio file not found"),
        (lambda p: _write(p / "x.mp3", b"not audio " * 100), lambda p: p / "t.txt", "cannot read x.mp3 as audio"),
        (None, lambda p: _write(p / "empty.txt", b""), "empty"),
        (None, lambda p: _write(p / "blob.txt", bytes(range(256)) * 20), "binary"),
    ],
    ids=["missing-audio", "text-as-mp3", "empty-transcript", "binary-transcript"],
)
def test_bad_input_exits_non_zero_with_one_line(episode, tmp_path: Path, make_audio, make_text, message) -> None:
    audio = make_audio(tmp_path) if make_audio else episode[0]
    text = make_text(tmp_path)
    if not text.exists():
        text.write_text(episode[1].read_text())
    code, _, err = run("align", str(audio), str(text), "-o", str(tmp_path / "out.json"))
    assert code != 0
    assert message in err.lower() or message in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("Error: ")
    assert "Traceback" not in err


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
