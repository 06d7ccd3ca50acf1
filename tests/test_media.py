"""The hardened media path: hostile uploads get a clear 4xx in the one error shape and leave nothing behind."""

from __future__ import annotations

import io
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import AUTH, Show, make_app
from flask import Flask
from flask.testing import FlaskClient
from test_api import assert_canonical_error
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.serving import make_server
from werkzeug.test import encode_multipart

from aligner import audio
from aligner.errors import AudioError
from server import db, library


def multipart(fields: dict) -> tuple[bytes, str]:
    """The form encoded in memory (the test client's own encoder leaks a temp file for big bodies)."""
    boundary, body = encode_multipart(MultiDict(fields))
    return body, f"multipart/form-data; boundary={boundary}"


def upload(client: FlaskClient, data: bytes, filename: str, transcript: str | bytes, **form: str):
    text = FileStorage(io.BytesIO(transcript), "t.txt") if isinstance(transcript, bytes) else transcript
    body, content_type = multipart({"audio": FileStorage(io.BytesIO(data), filename), "transcript": text, **form})
    return client.post("/api/episodes", headers=AUTH, data=body, content_type=content_type)


def everything(app: Flask) -> tuple[list[str], int]:
    """All files under the media directory and the number of episode rows."""
    media = Path(app.config["MEDIA_DIR"])
    files = sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) if media.exists() else []
    with app.app_context():
        return files, library.count_episodes()


def wav_header_claiming(seconds: float) -> bytes:
    """A 44-byte WAV whose header says it holds ``seconds`` of 16 kHz mono audio (it holds none)."""
    size = int(seconds * 32000)
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    return b"RIFF" + struct.pack("<I", 36 + size) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", size)


@pytest.fixture
def stored(client: FlaskClient, show: Show) -> dict:
    """A real episode uploaded first, whose file the hostile inputs try to reach."""
    r = upload(client, show.audio.read_bytes(), "show.mp3", show.transcript)
    assert r.status_code == 202, r.get_data(as_text=True)
    return r.get_json()["episode"]


def hls_playlist(target: Path) -> bytes:
    return (f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:30\n#EXT-X-MEDIA-SEQUENCE:0\n"
            f"#EXTINF:30.0,\nfile:{target}\n#EXT-X-ENDLIST\n").encode()


def test_hls_playlist_named_mp3_cannot_read_another_episode(
    app: Flask, client: FlaskClient, show: Show, stored: dict, tmp_path: Path
) -> None:
    target = Path(app.config["MEDIA_DIR"]) / stored["id"] / "original.mp3"
    playlist = hls_playlist(target)
    # The fixture is a real attack: plain ffprobe follows the playlist to the other episode's file.
    bait = tmp_path / "evil.mp3"
    bait.write_bytes(playlist)
    naive = subprocess.run(["ffprobe", "-v", "error", "-protocol_whitelist", "file", "-show_entries",
                            "format=format_name", "-of", "csv=p=0", f"file:{bait}"], capture_output=True, text=True)
    assert naive.stdout.strip() == "hls"
    before = everything(app)
    err = assert_canonical_error(upload(client, playlist, "evil.mp3", show.transcript), 422, "bad_audio")
    assert "not an audio container" in err["message"] and str(target) not in err["message"]
    assert everything(app) == before


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda show: wav_header_claiming(3 * 3600), "no playable duration"),
        (lambda show: wav_header_claiming(5 * 3600)[:44], "no playable duration"),
        (lambda show: b"ID3 this is a text file, not audio\n" * 50, "cannot read"),
        (lambda show: b"just some notes\n" * 200, "cannot read"),
        (lambda show: b"", "empty"),
    ],
    ids=["wav-claims-3h", "wav-claims-5h", "id3-text", "text-as-mp3", "empty-file"],
)
def test_fake_audio_is_422_leaving_nothing(app: Flask, client: FlaskClient, show: Show, make, message: str) -> None:
    before = everything(app)
    err = assert_canonical_error(upload(client, make(show), "story.mp3", show.transcript), 422, "bad_audio")
    assert message in err["message"], err
    assert everything(app) == before


def test_wav_header_claiming_more_than_it_holds_is_stored_with_its_real_duration(
    app: Flask, client: FlaskClient, show: Show, tmp_path: Path
) -> None:
    wav = tmp_path / "real.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(show.audio), "-ac", "1", "-ar", "16000",
                    "-map_metadata", "-1", "-bitexact", str(wav)], check=True)
    data = bytearray(wav.read_bytes())
    assert data[36:40] == b"data"
    data[40:44] = struct.pack("<I", 16000 * 2 * 3600)  # the header now claims an hour
    r = upload(client, bytes(data), "long.wav", show.transcript)
    assert r.status_code == 202, r.get_data(as_text=True)
    assert r.get_json()["episode"]["duration"] == pytest.approx(show.truth.duration, abs=0.2)


def test_truncated_mp3_is_422(app: Flask, client: FlaskClient, show: Show, tmp_path: Path) -> None:
    full = tmp_path / "full.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(show.audio), "-c:a", "libmp3lame", "-b:a", "128k",
                    str(full)], check=True)
    data = full.read_bytes()
    before = everything(app)
    err = assert_canonical_error(upload(client, data[: len(data) // 2], "cut.mp3", show.transcript), 422, "bad_audio")
    assert "truncated" in err["message"] and "header says" in err["message"]
    assert everything(app) == before


def test_dash_prefixed_file_names_are_never_options(app: Flask, client: FlaskClient, show: Show,
                                                    tmp_path: Path) -> None:
    before = everything(app)
    err = assert_canonical_error(upload(client, b"not audio\n" * 100, "-y.mp3", show.transcript), 422, "bad_audio")
    assert "'-y.mp3'" in err["message"]
    assert everything(app) == before
    # The same name on real audio: stored under the generated id, the name never reaching a path.
    r = upload(client, show.audio.read_bytes(), "-i -f hls.mp3", show.transcript)
    assert r.status_code == 202, r.get_data(as_text=True)
    ep = r.get_json()["episode"]
    assert everything(app)[0] == [f"{ep['id']}/original.mp3"]
    # And a local file whose path starts with '-' probes as itself.
    dash = tmp_path / "-i"
    dash.write_bytes(show.audio.read_bytes())
    assert audio.probe(dash).demuxer == "mp3"


@pytest.mark.parametrize(
    "transcript, status, code",
    [(b"", 422, "bad_transcript"), ("   \n\n ", 422, "bad_transcript"),
     (bytes(range(256)) * 40, 422, "bad_transcript"), (b"\x00\x01\x02" * 500, 422, "bad_transcript")],
    ids=["empty-file", "blank-text", "binary", "nul-bytes"],
)
def test_empty_or_binary_transcript_is_422(app: Flask, client: FlaskClient, show: Show, transcript, status: int,
                                           code: str) -> None:
    before = everything(app)
    assert_canonical_error(upload(client, show.audio.read_bytes(), "a.mp3", transcript), status, code)
    assert everything(app) == before


def test_missing_form_fields_are_400(client: FlaskClient, show: Show) -> None:
    r = client.post("/api/episodes", headers=AUTH, data={"transcript": show.transcript})
    assert "'audio'" in assert_canonical_error(r, 400, "bad_request")["message"]
    body, content_type = multipart({"audio": FileStorage(io.BytesIO(show.audio.read_bytes()), "a.mp3")})
    r = client.post("/api/episodes", headers=AUTH, data=body, content_type=content_type)
    assert "'transcript'" in assert_canonical_error(r, 400, "bad_request")["message"]


@pytest.mark.parametrize("field, value", [("language", "english"), ("format", "docx")])
def test_bad_options_are_400(app: Flask, client: FlaskClient, show: Show, field: str, value: str) -> None:
    before = everything(app)
    r = upload(client, show.audio.read_bytes(), "a.mp3", show.transcript, **{field: value})
    assert f"{field}=" in assert_canonical_error(r, 400, "bad_request")["message"]
    assert everything(app) == before


def test_longer_than_max_duration_is_422(tmp_path: Path, show: Show) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", MAX_DURATION=5)
    try:
        before = everything(app)
        err = assert_canonical_error(upload(app.test_client(), show.audio.read_bytes(), "a.mp3", show.transcript),
                                     422, "bad_audio")
        assert "longer than" in err["message"]
        assert everything(app) == before
    finally:
        audio.configure(max_duration=4 * 3600)
        db.dispose(app)


def test_oversized_body_is_413_json(tmp_path: Path, show: Show) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", MAX_CONTENT_LENGTH=20_000)
    try:
        r = upload(app.test_client(), show.audio.read_bytes(), "a.mp3", show.transcript)
        assert_canonical_error(r, 413, "request_entity_too_large")
        assert everything(app) == ([], 0)
    finally:
        db.dispose(app)


def test_oversized_body_is_refused_before_it_is_sent(tmp_path: Path) -> None:
    """A real server answers 413 from the headers alone: the client has sent no byte of the 1 GB body."""
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", MAX_CONTENT_LENGTH=1 << 20)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as s:
            s.sendall(b"POST /api/episodes HTTP/1.1\r\nHost: localhost\r\n"
                      b"Authorization: " + AUTH["Authorization"].encode() + b"\r\n"
                      b"Content-Type: multipart/form-data; boundary=xyz\r\n"
                      b"Content-Length: 1000000000\r\n\r\n")
            started = time.monotonic()
            reply = b""
            while chunk := s.recv(65536):  # the server answers and closes without waiting for the body
                reply += chunk
            assert time.monotonic() - started < 5
        assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
        assert b'"request_entity_too_large"' in reply
        assert everything(app) == ([], 0)
    finally:
        server.shutdown()
        db.dispose(app)


class TestFfmpegLimits:
    """The caps every ffmpeg/ffprobe child runs under."""

    def test_memory_limit_applies_to_the_child(self, show: Show) -> None:
        audio.configure(memory_bytes=8 << 20)  # far too little address space for ffprobe to start
        try:
            with pytest.raises(AudioError):
                audio.probe(show.audio)
        finally:
            audio.configure(memory_bytes=1 << 30)
        assert audio.probe(show.audio).demuxer == "mp3"

    def test_concurrent_processes_are_bounded(self, show: Show) -> None:
        audio.configure(max_processes=1)
        try:
            done: list[audio.AudioInfo] = []
            with audio._slots:  # the only slot is taken: a probe must wait for it
                t = threading.Thread(target=lambda: done.append(audio.probe(show.audio)))
                t.start()
                time.sleep(0.5)
                assert t.is_alive() and not done
            t.join(10)
            assert len(done) == 1
        finally:
            audio.configure(max_processes=2)

    def test_input_is_named_as_an_absolute_file_url(self, tmp_path: Path) -> None:
        assert audio._input_arg(Path("-i")).startswith("file:/")
        assert audio._input_arg(tmp_path / "a:b.mp3") == f"file:{tmp_path}/a:b.mp3"

    def test_playback_copy_of_a_wav_is_constant_bitrate_mp3(self, app: Flask, client: FlaskClient,
                                                            show: Show, tmp_path: Path) -> None:
        wav = tmp_path / "show.wav"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(show.audio), str(wav)], check=True)
        r = upload(client, wav.read_bytes(), "show.wav", show.transcript)
        assert r.status_code == 202, r.get_data(as_text=True)
        ep = r.get_json()["episode"]
        media = Path(app.config["MEDIA_DIR"]) / ep["id"]
        assert sorted(p.name for p in media.iterdir()) == ["original.wav", "playback.mp3"]
        info = audio.probe(media / "playback.mp3")
        assert audio.is_cbr_mp3(media / "playback.mp3", info) and info.codec == "mp3"
        assert 120_000 <= (info.bit_rate or 0) <= 136_000
        assert info.duration == pytest.approx(show.truth.duration, abs=0.15)
        with client.get(f"/api/episodes/{ep['id']}/audio") as r:
            assert r.data == (media / "playback.mp3").read_bytes()
