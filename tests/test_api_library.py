"""The library API: uploads, auth, CORS, pagination, jobs, realign, delete, segment levels and HTML export."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import API_TOKEN, AUTH, Show
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from test_api import assert_canonical_error, assert_episode_shape
from test_media import upload

from aligner import export
from aligner.models import Segment, SyncMap
from server import library


def test_upload_answers_202_with_the_episode_and_its_queued_job(client: FlaskClient, show: Show) -> None:
    r = upload(client, show.audio.read_bytes(), "My Show.mp3", show.transcript, title="Harbor", language="eng")
    assert r.status_code == 202, r.get_data(as_text=True)
    body = r.get_json()
    assert_episode_shape(body["episode"])
    assert body["episode"]["title"] == "Harbor" and body["episode"]["status"] == "queued"
    assert body["job"]["state"] == "queued" and body["job"]["attempts"] == 0
    assert r.headers["Location"] == body["episode"]["links"]["self"]
    job = client.get(body["episode"]["links"]["job"]).get_json()
    assert job["id"] == body["job"]["id"] and job["episode_id"] == body["episode"]["id"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {API_TOKEN}"},
     {"Authorization": API_TOKEN}, {"Authorization": "Bearer "}],
    ids=["none", "wrong-token", "basic-scheme", "no-scheme", "empty"],
)
@pytest.mark.parametrize("method, path", [("post", "/api/episodes"), ("delete", "/api/episodes/{id}"),
                                          ("post", "/api/episodes/{id}/realign")])
def test_writes_need_the_bearer_token(app: Flask, client: FlaskClient, episode: library.Episode,
                                      headers: dict, method: str, path: str) -> None:
    r = getattr(client, method)(path.format(id=episode.id), headers=headers)
    assert_canonical_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].lower().startswith("bearer")
    with app.app_context():
        assert library.get_episode(episode.id).status == "succeeded"  # nothing changed


def test_reads_are_open_with_cors_exposing_range_headers(client: FlaskClient, episode: library.Episode) -> None:
    for url in ("/api/episodes", f"/api/episodes/{episode.id}/segments", f"/api/episodes/{episode.id}/audio",
                "/api/nothing"):
        with client.get(url, headers={"Origin": "https://player.example", "Range": "bytes=0-9"}) as r:
            assert r.headers["Access-Control-Allow-Origin"] == "*", url
            exposed = {h.strip() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
            assert {"Content-Range", "Accept-Ranges"} <= exposed
    r = client.options(f"/api/episodes/{episode.id}/audio",
                       headers={"Origin": "https://player.example", "Access-Control-Request-Method": "GET",
                                "Access-Control-Request-Headers": "range"})
    assert r.status_code == 200 and "Range" in r.headers["Access-Control-Allow-Headers"]
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    r = client.delete(f"/api/episodes/{episode.id}", headers={**AUTH, "Origin": "https://evil.example"})
    assert r.status_code == 204 and "Access-Control-Allow-Origin" not in r.headers


def test_audio_is_never_compressed(client: FlaskClient, episode: library.Episode) -> None:
    with client.get(f"/api/episodes/{episode.id}/audio", headers={"Accept-Encoding": "gzip, br"}) as r:
        assert r.status_code == 200 and "Content-Encoding" not in r.headers
        assert "no-transform" in r.headers["Cache-Control"] and r.headers["Accept-Ranges"] == "bytes"


def test_episode_list_is_paginated(app: Flask, client: FlaskClient, show: Show) -> None:
    with app.app_context():
        made = [library.add_episode(show.audio, show.transcript, f"Episode {i}").id for i in range(5)]
    seen, url = [], "/api/episodes?limit=2"
    while url:
        page = client.get(url).get_json()
        assert page["total"] == 5 and page["limit"] == 2 and len(page["episodes"]) <= 2
        seen += [e["id"] for e in page["episodes"]]
        url = page["next"]
    assert sorted(seen) == sorted(made) and len(seen) == 5
    assert client.get("/api/episodes?offset=4&limit=3").get_json()["next"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "offset=-1", "offset=1.5"])
def test_bad_pagination_is_400(client: FlaskClient, query: str) -> None:
    assert_canonical_error(client.get(f"/api/episodes?{query}"), 400, "bad_request")


def test_delete_removes_the_episode_and_its_files(app: Flask, client: FlaskClient, episode: library.Episode) -> None:
    folder = Path(app.config["MEDIA_DIR"]) / episode.id
    assert folder.is_dir()
    assert client.delete(f"/api/episodes/{episode.id}", headers=AUTH).status_code == 204
    assert not folder.exists()
    assert_canonical_error(client.get(f"/api/episodes/{episode.id}"), 404, "not_found")
    assert_canonical_error(client.delete(f"/api/episodes/{episode.id}", headers=AUTH), 404, "not_found")


def test_realign_queues_one_job_and_reuses_the_active_one(client: FlaskClient, episode: library.Episode) -> None:
    r = client.post(f"/api/episodes/{episode.id}/realign", headers=AUTH)
    assert r.status_code == 202 and r.get_json()["state"] == "queued"
    again = client.post(f"/api/episodes/{episode.id}/realign", headers=AUTH).get_json()
    assert again["id"] == r.get_json()["id"]
    ep = client.get(f"/api/episodes/{episode.id}").get_json()
    assert ep["status"] == "queued" and ep["aligned"] is True  # the old result stays served meanwhile
    assert client.get(f"/api/episodes/{episode.id}/segments").status_code == 200


def test_realign_with_a_bad_language_is_400(client: FlaskClient, episode: library.Episode) -> None:
    r = client.post(f"/api/episodes/{episode.id}/realign?language=English", headers=AUTH)
    assert_canonical_error(r, 400, "bad_request")


def test_unknown_job_is_404(client: FlaskClient) -> None:
    assert_canonical_error(client.get("/api/jobs/nosuchjob"), 404, "not_found")


def flagged_map(show: Show) -> SyncMap:
    segs = list(show.truth.segments)
    t = segs[1]
    segs[1] = Segment(t.id, t.kind, t.text, t.start, t.end, t.speaker, flags=("low_confidence",),
                      children=(t.children[0], Segment(**{**_fields(t.children[1]), "flags": ("check",)})))
    return SyncMap(duration=show.truth.duration, speakers=show.truth.speakers, segments=tuple(segs),
                   title=show.truth.title)


def _fields(s: Segment) -> dict:
    return {k: getattr(s, k) for k in ("id", "kind", "text", "start", "end", "speaker", "confidence", "flags",
                                       "children")}


@pytest.fixture
def flagged(app: Flask, show: Show) -> str:
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
        library.store_syncmap(ep.id, flagged_map(show))
    return ep.id


def test_segments_by_level(client: FlaskClient, flagged: str, show: Show) -> None:
    turns = client.get(f"/api/episodes/{flagged}/segments?level=turn").get_json()
    assert turns["level"] == "turn" and [s["id"] for s in turns["segments"]] == ["t1", "t2", "c1", "t3", "t4"]
    assert all("children" not in s for s in turns["segments"])
    sentences = client.get(f"/api/episodes/{flagged}/segments?level=sentence").get_json()["segments"]
    assert [s["id"] for s in sentences] == [c.id for t in show.truth.segments for c in t.children]
    assert {s["kind"] for s in sentences} == {"sentence"} and sentences[0]["speaker"] == "morgan"


def test_segments_flagged_only(client: FlaskClient, flagged: str) -> None:
    base = f"/api/episodes/{flagged}/segments"
    assert [s["id"] for s in client.get(f"{base}?flagged=true").get_json()["segments"]] == ["t2"]
    assert [s["id"] for s in client.get(f"{base}?level=turn&flagged=true").get_json()["segments"]] == ["t2"]
    assert [s["id"] for s in client.get(f"{base}?level=sentence&flagged=1").get_json()["segments"]] == ["t2.s2"]
    assert len(client.get(f"{base}?flagged=false").get_json()["segments"]) == 5


@pytest.mark.parametrize("query", ["level=words", "flagged=yes", "level="])
def test_bad_segment_options_are_400(client: FlaskClient, episode: library.Episode, query: str) -> None:
    assert_canonical_error(client.get(f"/api/episodes/{episode.id}/segments?{query}"), 400, "bad_request")


class _Spans(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.timed: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = {k: v or "" for k, v in attrs}
        if tag == "span" and "data-m" in d:
            self.timed.append(d)


def test_html_export_has_hyperaudio_timing_per_sentence(client: FlaskClient, episode: library.Episode,
                                                        show: Show) -> None:
    r = client.get(f"/api/episodes/{episode.id}/export.html")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert html == export.render(show.truth, "html")
    parser = _Spans()
    parser.feed(html)
    sentences = [c for t in show.truth.segments for c in t.children] + [show.truth.segments[2]]
    assert len(parser.timed) == len(sentences)
    by_start = {round(float(s["data-start"]), 3): s for s in parser.timed}
    for sent in sentences:
        span = by_start[sent.start]
        assert int(span["data-m"]) == round(sent.start * 1000)
        assert int(span["data-d"]) == round(sent.end * 1000) - round(sent.start * 1000)
    assert '<h2 class="speaker">Alex Morgan</h2>' in html and 'data-speaker="lee"' in html


def test_html_export_escapes_text() -> None:
    evil = SyncMap(duration=2, speakers=(), title="<b>", segments=(
        Segment("t1", "turn", "<script>alert(1)</script>", 0.0, 1.0, children=(
            Segment("t1.s1", "sentence", "<script>alert(1)</script>", 0.0, 1.0),)),))
    html = export.render(evil, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<title>&lt;b&gt;</title>" in html


segments_strategy = st.lists(
    st.tuples(st.integers(0, 200), st.integers(0, 30)), min_size=0, max_size=25
).map(lambda spans: tuple(Segment(f"s{i}", "turn", "x", a / 10, (a + d) / 10) for i, (a, d) in enumerate(spans)))


@given(segments_strategy, st.integers(-5, 260))
def test_at_binary_search_agrees_with_a_linear_scan(segments: tuple[Segment, ...], tenths: int) -> None:
    t = tenths / 10
    syncmap = SyncMap(duration=30, speakers=(), segments=segments)
    linear = next((s for s in segments if s.contains(t)), None)
    found = syncmap.at(t)
    assert (found[0] if found else None) == linear


def test_ids_in_urls_are_checked(client: FlaskClient) -> None:
    r = client.get("/api/episodes/..%2F..%2Fetc%2Fpasswd/audio")
    assert r.status_code == 404
    assert re.search(r"not_found", r.get_data(as_text=True))


def test_word_level_upload_serves_words_and_karaoke_exports(app: Flask, client: FlaskClient, show: Show) -> None:
    r = upload(client, show.audio.read_bytes(), "show.mp3", show.transcript, level="word")
    assert r.status_code == 202, r.get_data(as_text=True)
    episode_id = r.get_json()["episode"]["id"]
    assert r.get_json()["episode"]["level"] == "word"
    with app.app_context():
        assert library.align_episode(episode_id).aligned  # the real aligner, through the job code
    base = f"/api/episodes/{episode_id}"
    words = client.get(f"{base}/segments?level=word").get_json()["segments"]
    sentences = client.get(f"{base}/segments?level=sentence").get_json()["segments"]
    assert len(words) > len(sentences) > 0
    assert all(w["kind"] == "word" and w["start"] <= w["end"] and w["speaker"] for w in words)
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    vtt = client.get(f"{base}/export.vtt").get_data(as_text=True)
    assert re.search(r"<v [^>]+>\w+ <\d\d:\d\d:\d\d\.\d{3}>\w", vtt), vtt[:400]
    podcast = client.get(f"{base}/export.podcast.json").get_json()["segments"]
    assert [p["body"] for p in podcast if "speaker" in p] == [w["text"] for w in words]  # cues have no speaker


def test_realign_at_another_level_queues_a_new_job(client: FlaskClient, episode: library.Episode) -> None:
    r = client.post(f"/api/episodes/{episode.id}/realign?level=word", headers=AUTH)
    assert r.status_code == 202
    assert client.get(f"/api/episodes/{episode.id}").get_json()["level"] == "word"
    bad = client.post(f"/api/episodes/{episode.id}/realign?level=phoneme", headers=AUTH)
    assert_canonical_error(bad, 400, "bad_request")
