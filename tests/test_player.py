"""The pages: server-rendered transcript markup, and one real headless-chromium run of the player."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import Show
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from server import library
from server.player import clock, secs

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


class Elements(HTMLParser):
    """Collects every element's tag and attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("seconds, shown", [(None, ""), (0, "0:00"), (83.4, "1:23"), (3725.9, "1:02:05")])
def test_clock_shows_minutes_and_seconds(seconds: float | None, shown: str) -> None:
    assert clock(seconds) == shown


@pytest.mark.parametrize("seconds, shown", [(None, ""), (0, "0.0"), (5.6974, "5.697"), (17.41, "17.41")])
def test_data_times_are_written_like_the_api(seconds: float | None, shown: str) -> None:
    assert secs(seconds) == shown


def test_index_lists_episodes_with_links(client: FlaskClient, episode: library.Episode) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "Harbor Lights Return" in html and f'href="/episodes/{episode.id}"' in html


def test_player_page_renders_the_sync_map(client: FlaskClient, episode: library.Episode, show: Show) -> None:
    r = client.get(f"/episodes/{episode.id}")
    assert r.status_code == 200
    found = elements(r.get_data(as_text=True))
    audio = [a for tag, a in found if tag == "audio"]
    assert audio == [
        {"id": "player", "controls": None, "preload": "metadata", "src": f"/api/episodes/{episode.id}/audio"}
    ]
    timed = {a["data-id"]: a for _tag, a in found if "data-id" in a}
    api = client.get(f"/api/episodes/{episode.id}/segments").get_json()["segments"]
    expected = [s for seg in api for s in (seg, *seg.get("children", []))]
    assert list(timed) == [s["id"] for s in expected]  # every turn, cue and sentence, in order
    for s in expected:
        assert (
            float(timed[s["id"]]["data-start"]) == s["start"]
            and float(timed[s["id"]]["data-end"]) == s["end"]
        )
    classes = {a["data-id"]: (a.get("class") or "").split() for _tag, a in found if "data-id" in a}
    assert "turn" in classes["t1"] and "sentence" in classes["t1.s1"] and "cue" in classes["c1"]


def test_player_shows_full_speaker_names(client: FlaskClient, episode: library.Episode) -> None:
    html = client.get(f"/episodes/{episode.id}").get_data(as_text=True)
    assert "Alex Morgan" in html and "Jordan Lee" in html and "(SOUNDBITE OF MUSIC)" in html


def test_player_of_unaligned_episode_says_so(app: Flask, client: FlaskClient, show: Show) -> None:
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
    r = client.get(f"/episodes/{ep.id}")
    assert r.status_code == 200 and "not aligned yet" in r.get_data(as_text=True)
    assert 'id="player"' in r.get_data(as_text=True)


def test_unknown_episode_page_is_an_html_404(client: FlaskClient) -> None:
    r = client.get("/episodes/nosuchepisode")
    assert r.status_code == 404 and r.mimetype == "text/html" and "nosuchepisode" in r.get_data(as_text=True)


def test_static_files_are_served(client: FlaskClient) -> None:
    for name in ("player.js", "player.css"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.data
        r.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


AUDIO_STATE = (
    "() => { const a = document.getElementById('player'); return [a.currentTime, a.seeking, a.paused]; }"
)


@pytest.mark.browser
def test_clicking_the_third_line_seeks_there_in_chromium(
    live_server: str, demo_episode: library.Episode
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt install chromium)")
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{live_server}/episodes/{demo_episode.id}")
            page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15_000)
            api = page.request.get(f"{live_server}/api/episodes/{demo_episode.id}/segments").json()

            line = page.locator("#transcript .turn").nth(2)
            line_id, start = line.get_attribute("data-id"), float(line.get_attribute("data-start") or "nan")
            assert start == next(s["start"] for s in api["segments"] if s["id"] == line_id)
            line.locator(".speaker").click()
            page.wait_for_function("!document.getElementById('player').seeking", timeout=10_000)
            now, _seeking, _paused = page.evaluate(AUDIO_STATE)
            assert abs(now - start) < 0.25, (line_id, now, start)
            page.wait_for_function(
                "el => el.classList.contains('active')", arg=line.element_handle(), timeout=10_000
            )
            assert page.locator("#transcript .turn.active").count() == 1

            sentence = page.locator("#transcript .turn .sentence[data-start]").nth(3)
            s_start = float(sentence.get_attribute("data-start") or "nan")
            sentence.click()
            page.wait_for_function("!document.getElementById('player').seeking", timeout=10_000)
            now, _seeking, _paused = page.evaluate(AUDIO_STATE)
            assert abs(now - s_start) < 0.25, (sentence.get_attribute("data-id"), now, s_start)
        finally:
            browser.close()
    assert problems == [], problems
