"""The player in a real headless chromium: seeking, highlighting, links, keys, search, embed, failure states.

One browser and one live server per module keep the run fast; each test gets a fresh browser context.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser import DESKTOP, MOBILE, Console, live_server, screenshot
from conftest import DEMO_DIR, Show
from flask import Flask

from aligner.models import Segment, SyncMap
from server import create_app, db, library

pytestmark = pytest.mark.browser

TOLERANCE = 0.05  # seconds: a click must land this close to the API's start

READY = "() => window.seekline && document.getElementById('player').readyState >= 1"
STATE = """() => { const a = document.getElementById('player');
  return {t: a.currentTime, paused: a.paused, seeking: a.seeking, rate: a.playbackRate}; }"""


@dataclass(frozen=True)
class Site:
    url: str
    app: Flask
    demo: str  # the bundled demo (real alignment) or, without it, the espeak show
    show: str  # the espeak show with its true sync map and a flagged turn
    long: str  # a 2,000-turn sync map over the show's audio
    worded: str  # the espeak show with words spread evenly over each true sentence


def long_syncmap(base: SyncMap, turns: int = 2000) -> SyncMap:
    """2,000 turns of four sentences packed into the show's audio, so that seeks are real."""
    step = round(base.duration * 0.95 / turns, 6)
    segments = []
    for i in range(turns):
        start = i * step
        children = tuple(
            Segment(id=f"t{i + 1}.s{k + 1}", kind="sentence", text=f"Sentence {k + 1} of turn {i + 1}.",
                    start=round(start + k * step / 4, 4), end=round(start + (k + 1) * step / 4, 4))
            for k in range(4)
        )  # fmt: skip
        segments.append(
            Segment(id=f"t{i + 1}", kind="turn", text=" ".join(c.text for c in children),
                    start=children[0].start, end=children[-1].end, speaker=base.speakers[i % 2].id,
                    children=children)
        )  # fmt: skip
    return SyncMap(
        duration=base.duration, speakers=base.speakers, segments=tuple(segments), title="Long show"
    )


def with_words(syncmap: SyncMap) -> SyncMap:
    """The sync map with every sentence's words spread evenly over it (as a word-level alignment gives them)."""
    def worded(sentence: Segment) -> Segment:
        texts = sentence.text.split()
        step = (sentence.end - sentence.start) / len(texts)
        words = tuple(Segment(id=f"{sentence.id}.w{k + 1}", kind="word", text=w,
                              start=round(sentence.start + k * step, 3), end=round(sentence.start + (k + 1) * step, 3))
                      for k, w in enumerate(texts))
        return dataclasses.replace(sentence, children=words)

    return dataclasses.replace(syncmap, segments=tuple(
        dataclasses.replace(s, children=tuple(worded(c) for c in s.children)) for s in syncmap.segments))


def flagged(syncmap: SyncMap) -> SyncMap:
    """The sync map with its second turn flagged as low confidence."""
    segs = list(syncmap.segments)
    i = next(k for k, s in enumerate(segs) if s.kind == "turn" and k > 0)
    segs[i] = dataclasses.replace(segs[i], flags=("low_confidence",), confidence=0.31)
    return dataclasses.replace(syncmap, segments=tuple(segs))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, show: Show) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("site")
    has_demo = (DEMO_DIR / "demo.mp3").is_file() and (DEMO_DIR / "transcript.txt").is_file()
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp / 'seekline.sqlite3'}",
            "MEDIA_DIR": str(tmp / "media"),
            "DEMO_DIR": str(DEMO_DIR if has_demo else tmp / "no-demo"),
        }
    )
    with app.app_context():
        show_ep = library.add_episode(show.audio, show.transcript, title="Harbor Lights Return")
        library.store_syncmap(show_ep.id, flagged(show.truth))
        long_ep = library.add_episode(show.audio, show.transcript, title="Long show")
        library.store_syncmap(long_ep.id, long_syncmap(show.truth))
        worded_ep = library.add_episode(show.audio, show.transcript, title="Worded show", level="word")
        library.store_syncmap(worded_ep.id, with_words(show.truth))
    demo_id = show_ep.id
    if has_demo:
        from server.demo import ensure_demo

        demo = ensure_demo(app)
        assert demo is not None and demo.aligned, "the bundled demo episode failed to import or align"
        demo_id = demo.id
    with live_server(app) as url:
        yield Site(url=url, app=app, demo=demo_id, show=show_ep.id, long=long_ep.id, worded=worded_ep.id)
    db.dispose(app)


@pytest.fixture
def page(browser: Any, console: Console) -> Iterator[Any]:
    """A page in a fresh context; the test fails if any JavaScript error or failed load was reported."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    console.attach(page)
    yield page
    context.close()
    assert console.errors == [], console.errors


def open_player(
    page: Any, site: Site, episode_id: str, suffix: str = "", *, embed: bool = False
) -> dict[str, Any]:
    """Open the player (or embed) and return the episode's sync map as the API gives it."""
    path = f"/episodes/{episode_id}" + ("/embed" if embed else "")
    page.goto(site.url + path + suffix)
    page.wait_for_function(READY, timeout=15_000)
    return page.request.get(f"{site.url}/api/episodes/{episode_id}/segments").json()


AUDIO_DEBUG = """() => { const a = document.getElementById('player');
  return {t: a.currentTime, ready: a.readyState, network: a.networkState, seeking: a.seeking,
          paused: a.paused, error: a.error && a.error.message, url: location.href}; }"""


def wait_js(page: Any, expression: str, arg: Any = None, timeout: float = 10_000) -> None:
    """``page.wait_for_function`` that reports the audio element's state when it times out."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(expression, arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        pytest.fail(f"timed out waiting for {expression!r}; audio: {page.evaluate(AUDIO_DEBUG)}")


def settle(page: Any) -> dict[str, Any]:
    wait_js(page, "() => !document.getElementById('player').seeking")
    return page.evaluate(STATE)


def landed(page: Any, action: Callable[[], None]) -> dict[str, Any]:
    """The audio's state where the seek that ``action`` starts lands, its time read when the seek ends: playback
    that goes on after it (a click plays) would otherwise add however long this machine takes to look."""
    page.evaluate("""() => { const a = document.getElementById('player'); window.landedAt = null;
      a.addEventListener('seeked', () => { window.landedAt = a.currentTime; }, {once: true}); }""")
    action()
    wait_js(page, "() => window.landedAt !== null")
    return {**page.evaluate(STATE), "t": page.evaluate("() => window.landedAt")}


def api_segment(api: dict[str, Any], seg_id: str) -> dict[str, Any]:
    for seg in api["segments"]:
        if seg["id"] == seg_id:
            return seg
        for child in seg.get("children", []):
            if child["id"] == seg_id:
                return child
    raise KeyError(seg_id)


def sentences(api: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for s in api["segments"] for c in s.get("children", []) if c.get("start") is not None]


def test_clicking_the_third_turn_and_a_second_sentence_seeks_to_the_api_start(page: Any, site: Site) -> None:
    api = open_player(page, site, site.demo)
    turn = page.locator("#transcript .turn").nth(2)
    turn_id = turn.get_attribute("data-id")
    start = api_segment(api, turn_id)["start"]
    assert float(turn.get_attribute("data-start")) == start
    state = landed(page, turn.locator(".speaker").click)
    assert abs(state["t"] - start) < TOLERANCE, (turn_id, state, start)
    page.wait_for_function("el => el.classList.contains('active')", arg=turn.element_handle(), timeout=10_000)
    assert page.locator("#transcript .turn.active").count() == 1

    with_two = next(s for s in api["segments"] if len(s.get("children", [])) >= 2 and s["id"] != turn_id)
    second = with_two["children"][1]
    state = landed(page, page.locator(f'#transcript [data-id="{second["id"]}"]').click)
    assert abs(state["t"] - second["start"]) < TOLERANCE, (second["id"], state)
    assert not state["paused"], "clicking a line plays it"


def test_playback_into_a_later_turn_lights_exactly_that_turn(page: Any, site: Site) -> None:
    api = open_player(page, site, site.demo)
    turns = [s for s in api["segments"] if s["kind"] == "turn" and s["start"] is not None]
    target = turns[3]
    page.evaluate("t => { const a = document.getElementById('player'); a.currentTime = t; a.play(); }",
                  max(0.0, target["start"] - 0.4))  # fmt: skip
    page.wait_for_function(f"() => document.getElementById('player').currentTime > {target['start'] + 0.25}",
                           timeout=15_000)  # fmt: skip
    page.evaluate("() => document.getElementById('player').pause()")
    active = page.locator("#transcript .turn.active")
    assert active.count() == 1
    assert active.get_attribute("data-id") == target["id"]
    assert page.locator("#transcript .sentence.active").count() <= 1
    assert (
        page.locator(f'#transcript [data-id="{target["id"]}"] .sentence.active').count()
        == page.locator("#transcript .sentence.active").count()
    )


def test_word_level_marks_the_spoken_word_and_a_click_plays_from_it(page: Any, site: Site) -> None:
    api = open_player(page, site, site.worded)
    words = [w for c in sentences(api) for w in c.get("children", [])]
    target = words[len(words) // 2]
    page.evaluate("t => { document.getElementById('player').currentTime = t; }", (target["start"] + target["end"]) / 2)
    settle(page)
    page.wait_for_function("() => document.querySelectorAll('#transcript .word.spoken').length === 1", timeout=10_000)
    assert page.locator("#transcript .word.spoken").get_attribute("data-id") == target["id"]
    assert page.locator(f'#transcript .sentence.active [data-id="{target["id"]}"]').count() == 1
    later = words[len(words) // 2 + 3]
    page.locator(f'#transcript .word[data-id="{later["id"]}"]').click()
    state = settle(page)
    assert abs(state["t"] - later["start"]) < TOLERANCE, (later, state)


@pytest.mark.parametrize("form", ["#t={t}", "?t={t}", "#t=npt:{clock}"])
def test_deep_link_opens_at_that_time(page: Any, site: Site, form: str) -> None:
    api = requests_segments(page, site, site.demo)
    turn = [s for s in api["segments"] if s["kind"] == "turn"][4]
    t = round((turn["start"] + turn["end"]) / 2, 1)
    minutes, seconds = divmod(t, 60)
    page.add_init_script(
        "document.addEventListener('seeked', e => (window.__seeks ||= []).push(e.target.currentTime), true);"
    )  # where the page first seeked to, whatever it played since
    open_player(page, site, site.demo, form.format(t=t, clock=f"{int(minutes)}:{seconds:04.1f}"))
    wait_js(page, "() => (window.__seeks || []).length > 0")
    page.evaluate("() => document.getElementById('player').pause()")
    first = page.evaluate("() => window.__seeks[0]")
    assert abs(first - t) < TOLERANCE, (first, t)
    assert t - TOLERANCE <= settle(page)["t"] < turn["end"]
    wait_js(
        page, "id => document.querySelector('#transcript .turn.active')?.dataset.id === id", arg=turn["id"]
    )


def requests_segments(page: Any, site: Site, episode_id: str) -> dict[str, Any]:
    return page.request.get(f"{site.url}/api/episodes/{episode_id}/segments").json()


def test_range_link_plays_that_range_and_stops(page: Any, site: Site) -> None:
    api = requests_segments(page, site, site.demo)
    s = sentences(api)[2]
    end = round(s["start"] + 1.0, 2)
    open_player(page, site, site.demo, f"#t={s['start']},{end}")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.1", timeout=10_000)
    page.wait_for_function("() => document.getElementById('player').paused", timeout=10_000)
    state = page.evaluate(STATE)
    assert end - 0.05 <= state["t"] < end + 0.4, (state, end)


def test_j_and_k_move_between_lines(page: Any, site: Site) -> None:
    api = open_player(page, site, site.demo)
    lines = sentences(api)
    page.locator("h1").click()
    page.keyboard.press("j")
    assert abs(settle(page)["t"] - lines[0]["start"]) < TOLERANCE
    page.keyboard.press("j")
    assert abs(settle(page)["t"] - lines[1]["start"]) < TOLERANCE
    assert page.evaluate("() => document.activeElement.dataset.id") == lines[1]["id"]
    page.keyboard.press("j")
    assert abs(settle(page)["t"] - lines[2]["start"]) < TOLERANCE
    page.keyboard.press("k")
    assert abs(settle(page)["t"] - lines[1]["start"]) < TOLERANCE
    assert page.evaluate("() => document.activeElement.dataset.id") == lines[1]["id"]
    assert page.locator("#transcript .sentence[tabindex='0']").count() == 1  # one tab stop: a roving focus


def test_space_arrows_and_enter_drive_playback(page: Any, site: Site) -> None:
    api = open_player(page, site, site.demo)
    page.locator("h1").click()
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.getElementById('player').paused", timeout=5_000)
    page.keyboard.press("Space")
    page.wait_for_function("() => document.getElementById('player').paused", timeout=5_000)
    before = settle(page)["t"]
    page.keyboard.press("ArrowRight")
    assert abs(settle(page)["t"] - (before + 5)) < TOLERANCE
    page.keyboard.press("ArrowLeft")
    assert abs(settle(page)["t"] - before) < TOLERANCE

    line = sentences(api)[5]
    page.locator(f'#transcript [data-id="{line["id"]}"]').focus()
    state = landed(page, lambda: page.keyboard.press("Enter"))
    assert abs(state["t"] - line["start"]) < TOLERANCE and not state["paused"], state


def unique_word(api: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A word of seven letters or more that occurs in exactly one sentence, from the middle of the show."""
    lines = sentences(api)
    text = " ".join(s["text"].lower() for s in lines)
    for s in lines[len(lines) // 2 :] + lines:
        for word in re.findall(r"[A-Za-z]{7,}", s["text"]):
            if text.count(word.lower()) == 1:
                return word, s
    pytest.fail("no unique word in the transcript")


def test_search_finds_a_word_and_seeks_to_it(page: Any, site: Site) -> None:
    api = open_player(page, site, site.demo)
    word, line = unique_word(api)
    page.locator("#search").fill(word.upper())
    page.locator("#search").press("Enter")
    state = settle(page)
    assert abs(state["t"] - line["start"]) < TOLERANCE, (word, line["id"], state)
    current = page.locator("#transcript mark.hit.current")
    assert current.count() == 1 and current.inner_text() == word
    assert page.locator("#search-count").inner_text() == "1 of 1"
    parent = current.evaluate("m => m.closest('[data-id]').dataset.id")
    assert parent == line["id"]
    page.locator("#search").fill("")
    page.locator("#search").press("Escape")
    page.wait_for_function("() => !document.querySelector('#transcript mark')", timeout=5_000)


def test_strip_click_seeks_and_speed_changes_the_rate(page: Any, site: Site) -> None:
    with page.expect_response(lambda r: r.url.endswith("/peaks.json")) as peaks:
        open_player(page, site, site.demo)
    assert peaks.value.ok and len(peaks.value.json()["peaks"]) > 100
    duration = float(page.locator("[data-seekline]").get_attribute("data-duration"))
    box = page.locator("#strip").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    assert abs(settle(page)["t"] - duration / 2) < duration / box["width"] * 2
    page.select_option("#rate", "1.5")
    assert page.evaluate(STATE)["rate"] == 1.5
    page.select_option("#rate", "0.75")
    assert page.evaluate(STATE)["rate"] == 0.75


def settled_scroll(page: Any) -> float:
    """scrollY once it has stopped changing (two reads 150 ms apart agree)."""
    last = page.evaluate("() => scrollY")
    for _ in range(40):
        page.wait_for_timeout(150)
        now = page.evaluate("() => scrollY")
        if now == last:
            return now
        last = now
    return last


def test_autoscroll_pauses_on_a_hand_scroll_and_back_to_now_resumes(browser: Any, site: Site,
                                                                    console: Console) -> None:  # fmt: skip
    context = browser.new_context(viewport={"width": 900, "height": 420}, reduced_motion="reduce")
    page = context.new_page()
    console.attach(page)
    try:
        api = open_player(page, site, site.long)
        turns = api["segments"]
        in_view = """id => { const r = document.querySelector(`[data-id="${id}"]`).getBoundingClientRect();
                             return r.top >= 0 && r.bottom <= innerHeight; }"""
        page.evaluate("t => window.seekline.seek(t)", turns[40]["children"][1]["start"])
        page.wait_for_function(in_view, arg=turns[40]["id"], timeout=5_000)
        page.mouse.move(450, 350)
        before = page.evaluate("() => scrollY")
        page.mouse.wheel(0, -1500)
        page.wait_for_function("() => !window.seekline.autoscroll", timeout=5_000)
        # the browser animates a wheel scroll over several frames: wait until it has moved and come to rest
        page.wait_for_function("y => scrollY < y", arg=before, timeout=5_000)
        scrolled = settled_scroll(page)
        page.evaluate("t => window.seekline.seek(t)", turns[300]["children"][1]["start"])
        assert page.locator("#back-to-now").is_visible()
        assert page.evaluate("() => scrollY") == scrolled, "autoscroll stays paused after a hand scroll"
        assert not page.evaluate(in_view, turns[300]["id"])
        page.locator("#back-to-now").click()
        page.wait_for_function(in_view, arg=turns[300]["id"], timeout=5_000)
        assert page.locator("#back-to-now").is_hidden() and page.evaluate("() => window.seekline.autoscroll")
    finally:
        context.close()
    assert console.errors == [], console.errors


def test_a_long_transcript_updates_only_the_classes_that_change(page: Any, site: Site) -> None:
    api = open_player(page, site, site.long)
    assert page.locator("#transcript .turn").count() == 2000
    assert page.locator("#transcript .sentence[data-start]").count() == 8000
    costs = page.evaluate(
        """() => {
          const s = window.seekline, lines = s.lines;
          const t = (lines[100].start + lines[100].end) / 2;
          s.render(t);
          let t0 = performance.now();
          for (let i = 0; i < 20000; i++) s.render(t);  // a frame in which nothing changes
          const steady = (performance.now() - t0) / 20000;
          t0 = performance.now();
          for (let i = 101; i < 401; i++) s.render(lines[i].start);  // the line changes every time
          const change = (performance.now() - t0) / 300;
          return {steady, change};
        }"""
    )
    assert costs["steady"] < 0.05, costs  # ms per animation frame
    assert costs["change"] < 8, costs  # ms per line change, autoscroll included
    mutations = page.evaluate(
        """([a, b, c]) => {
          const log = [], obs = new MutationObserver(m => log.push(...m));
          obs.observe(document.getElementById('transcript'), {attributes: true, attributeFilter: ['class'],
                                                               subtree: true});
          window.seekline.render(a);
          obs.takeRecords();
          window.seekline.render(a); window.seekline.render(a + 0.0001);
          const same = obs.takeRecords().length;
          window.seekline.render(b);
          const sentence = obs.takeRecords().length;
          window.seekline.render(c);
          const turn = obs.takeRecords().length;
          obs.disconnect();
          return {same, sentence, turn};
        }""",
        [api["segments"][10]["children"][0]["start"], api["segments"][10]["children"][1]["start"],
         api["segments"][11]["children"][0]["start"]],
    )  # fmt: skip
    assert mutations == {"same": 0, "sentence": 2, "turn": 4}, mutations


def test_copy_link_gives_the_lines_deep_link(browser: Any, site: Site, console: Console) -> None:
    context = browser.new_context(viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    console.attach(page)
    try:
        api = open_player(page, site, site.demo)
        turn = [s for s in api["segments"] if s["kind"] == "turn"][1]
        page.locator(f'#transcript [data-id="{turn["id"]}"] .copy-link').click()
        expected = f"{site.url}/episodes/{site.demo}#t={turn['start']:g}"
        page.wait_for_function("() => !document.getElementById('player-message').hidden", timeout=5_000)
        assert expected in page.locator("#player-message").inner_text()
        assert page.evaluate("() => navigator.clipboard.readText()") == expected
        assert page.evaluate(STATE)["paused"], "copying a link does not start playback"
    finally:
        context.close()
    assert console.errors == [], console.errors


def test_flagged_turn_shows_its_reason_on_hover(page: Any, site: Site) -> None:
    open_player(page, site, site.show)
    flag = page.locator("#transcript .turn.flagged .flag")
    assert flag.count() == 1
    flag.hover()
    tip = flag.evaluate("el => getComputedStyle(el, '::after').content")
    assert "Low confidence" in tip and "0.31" in tip


def test_embed_works_inside_an_iframe(page: Any, site: Site) -> None:
    api = requests_segments(page, site, site.demo)
    page.set_content(
        f'<iframe src="{site.url}/episodes/{site.demo}/embed" width="720" height="460" '
        f'allow="autoplay" title="player"></iframe>'
    )
    frame = page.frame_locator("iframe")
    frame.locator("#transcript .turn").first.wait_for()
    inner = next(f for f in page.frames if f.url.endswith("/embed"))
    inner.wait_for_function(READY, timeout=15_000)
    turn = [s for s in api["segments"] if s["kind"] == "turn"][2]
    state = landed(inner, frame.locator(f'#transcript [data-id="{turn["id"]}"] .speaker').click)
    assert abs(state["t"] - turn["start"]) < TOLERANCE, state
    assert inner.evaluate("() => document.querySelectorAll('#transcript .turn.active').length") == 1
    assert inner.evaluate("() => getComputedStyle(document.getElementById('transcript')).overflowY") == "auto"


def test_pending_episode_shows_text_and_progress_then_reloads_aligned(
    page: Any, site: Site, show: Show
) -> None:
    with site.app.app_context():
        ep = library.add_episode(show.audio, show.transcript, title="Pending show")
    open_player(page, site, ep.id)
    if page.locator("[data-seekline]").get_attribute("data-aligned") == "false":
        assert page.locator("#pending").is_visible()
        assert "not aligned yet" in page.locator("#pending").inner_text()
        assert "The harbor lights came back on tonight." in page.locator("#transcript").inner_text()
        assert page.locator("#transcript .sentence[data-start]").count() == 0
        with site.app.app_context():
            library.store_syncmap(ep.id, show.truth)
    page.wait_for_selector("#transcript .sentence[data-start]", timeout=15_000)
    assert page.locator("#pending").count() == 0


def test_api_failure_while_polling_shows_a_readable_message(page: Any, site: Site, show: Show,
                                                            console: Console) -> None:  # fmt: skip
    with site.app.app_context():
        ep = library.add_episode(show.audio, show.transcript, title="Doomed show")
    open_player(page, site, ep.id)
    if page.locator("[data-seekline]").get_attribute("data-aligned") == "true":
        pytest.skip("a worker aligned the episode before the page could poll")
    with site.app.app_context():
        library.delete_episode(ep.id)
    page.wait_for_function("() => !document.getElementById('player-message').hidden", timeout=15_000)
    text = page.locator("#player-message").inner_text()
    assert "no longer exists" in text and ep.id in text, text
    console.expect("404")  # the failed poll, as the browser logs it


def test_library_page_lists_episodes_without_errors(page: Any, site: Site) -> None:
    page.goto(site.url + "/")
    assert page.locator(".episode").count() >= 2
    assert page.locator(f'.episode[data-id="{site.demo}"] .status').inner_text().startswith("succeeded")


def test_screenshots_at_desktop_and_mobile_width(browser: Any, site: Site, console: Console) -> None:
    shots: list[Path] = []
    for name, viewport, mobile in (
        ("player-desktop.png", DESKTOP, False),
        ("player-mobile.png", MOBILE, True),
    ):
        context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile,
                                      device_scale_factor=2 if mobile else 1)  # fmt: skip
        page = context.new_page()
        console.attach(page)
        try:
            api = open_player(page, site, site.demo)
            page.wait_for_load_state("networkidle")
            turn = [s for s in api["segments"] if s["kind"] == "turn"][2]
            page.evaluate("t => window.seekline.seek(t)", turn["children"][0]["start"] + 0.5)
            page.wait_for_timeout(300)
            assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth"), (
                "no sideways scroll"
            )
            shots.append(screenshot(page, name))
            if mobile:
                page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
                top = page.evaluate("() => document.querySelector('.player-bar').getBoundingClientRect().top")
                assert abs(top) < 1, "the player bar sticks to the top on a phone"
                assert page.locator("#play").is_visible() and page.locator("#strip").is_visible()
        finally:
            context.close()
    assert all(p.stat().st_size > 10_000 for p in shots)
    assert console.errors == [], console.errors
