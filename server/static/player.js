/* Seekline player: click a line to play it; the line being spoken is lit; links, keys, search and a timeline.
 * Plain JavaScript, no build step. It reads the server-rendered transcript (data-id, data-start, data-end in
 * seconds, as in the API) and the page's data-* settings; the same file drives the player and the embed. */
(function () {
  "use strict";

  var root = document.querySelector("[data-seekline]");
  var audio = document.getElementById("player");
  if (!root || !audio) return;

  var $ = function (id) { return document.getElementById(id); };
  var transcript = $("transcript");
  var message = $("player-message");
  var backToNow = $("back-to-now");
  var bar = root.querySelector(".player-bar");
  var aligned = root.getAttribute("data-aligned") === "true";
  var duration = parseFloat(root.getAttribute("data-duration")) || 0;
  var pageUrl = root.getAttribute("data-page") || location.href.split("#")[0];
  var motion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  var reduced = function () { return !!(motion && motion.matches); };
  var SEARCH_MIN = 2, SEARCH_MAX = 5000;

  /* ---------- small helpers ---------- */

  function clock(t) {
    if (!isFinite(t) || t < 0) t = 0;
    var s = Math.floor(t), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(sec).padStart(2, "0");
  }

  function fixed(t) { return String(Math.round(t * 1000) / 1000); }

  var messageTimer = 0;
  function say(text, kind) {
    if (!message) return;
    window.clearTimeout(messageTimer);
    message.textContent = text || "";
    message.hidden = !text;
    message.className = "message" + (kind ? " " + kind : "");
    if (text && kind !== "error" && kind !== "sticky") {
      messageTimer = window.setTimeout(function () { message.hidden = true; }, 5000);
    }
  }

  function startOf(el) { return parseFloat(el.getAttribute("data-start")); }

  /* Elements with numeric times, sorted by start: [{el, start, end, children}]. */
  function timed(nodes) {
    var items = [];
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i], start = startOf(el), end = parseFloat(el.getAttribute("data-end"));
      if (isFinite(start) && isFinite(end)) items.push({ el: el, start: start, end: end, children: [], index: 0 });
    }
    items.sort(function (a, b) { return a.start - b.start; });
    return items;
  }

  /* Binary search: index of the last item starting at or before t (-1 if none). */
  function lastAtOrBefore(items, t) {
    var lo = 0, hi = items.length - 1, best = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (items[mid].start <= t) { best = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return best;
  }

  /* The item playing at t, or null in a gap. */
  function find(items, t) {
    var i = lastAtOrBefore(items, t);
    return i >= 0 && t < items[i].end ? items[i] : null;
  }

  /* ---------- the transcript as data ---------- */

  var turns = transcript && aligned ? timed(transcript.querySelectorAll(":scope > [data-start]")) : [];
  var lines = []; // what j/k, Enter and the roving focus move through: sentences, or a cue / an untimed-sentence turn
  turns.forEach(function (turn) {
    turn.children = timed(turn.el.querySelectorAll(".sentence[data-start]"));
    turn.children.forEach(function (s) { s.children = timed(s.el.querySelectorAll(".word[data-start]")); });
    var own = turn.children.length ? turn.children : [turn];
    own.forEach(function (item) { lines.push(item); });
  });
  lines.sort(function (a, b) { return a.start - b.start; });
  lines.forEach(function (line, i) { line.index = i; });
  if (!duration) duration = turns.length ? turns[turns.length - 1].end : 0;

  /* ---------- playback ---------- */

  var rangeEnd = null; // #t=start,end: stop here

  function seekTo(t) {
    t = Math.max(0, duration ? Math.min(t, duration) : t);
    audio.currentTime = t;
    render(t);
  }

  function play() {
    var started = audio.play();
    if (started && started.catch) {
      started.catch(function (err) {
        if (err && err.name === "NotAllowedError") say("Press play to start the audio at " + clock(audio.currentTime) + ".", "sticky");
        else if (err && err.name !== "AbortError") say("The audio could not start: " + (err.message || err.name) + ".", "error");
      });
    }
  }

  function toggle() { if (audio.paused) play(); else audio.pause(); }

  function playLine(el) {
    var t = startOf(el);
    if (!isFinite(t)) return;
    rangeEnd = null;
    resumeAutoscroll(false);
    seekTo(t);
    play();
  }

  /* ---------- highlight: binary search per frame, touch only the classes that change ---------- */

  var activeTurn = null, activeSentence = null, activeWord = null, focusLine = null, shownSecond = -1;
  var ui = {}; // filled in by the controls section

  function swap(current, next) {
    if (current === next) return current;
    if (current) { current.el.classList.remove("active"); current.el.removeAttribute("aria-current"); }
    if (next) { next.el.classList.add("active"); next.el.setAttribute("aria-current", "true"); }
    return next;
  }

  function render(at) {
    var t = at === undefined ? audio.currentTime : at;
    if (rangeEnd !== null && t >= rangeEnd && !audio.paused) {
      audio.pause();
      rangeEnd = null;
    }
    var turn = find(turns, t);
    var sentence = turn ? find(turn.children, t) : null;
    if (turn !== activeTurn || sentence !== activeSentence) {
      var current = sentence || turn;
      var visible = current && autoscroll ? inView(current.el) : true; // read layout before writing classes
      activeTurn = swap(activeTurn, turn);
      activeSentence = swap(activeSentence, sentence);
      if (current) follow(current.el, visible);
    }
    var word = sentence ? find(sentence.children, t) : null; // words: a quiet mark, not aria-current
    if (word !== activeWord) {
      if (activeWord) activeWord.el.classList.remove("spoken");
      if (word) word.el.classList.add("spoken");
      activeWord = word;
    }
    if (ui.position) ui.position(t);
    var second = Math.floor(t);
    if (second !== shownSecond) {
      shownSecond = second;
      if (ui.second) ui.second(t);
    }
  }

  var frame = 0;
  function tick() {
    render();
    frame = audio.paused ? 0 : window.requestAnimationFrame(tick);
  }
  audio.addEventListener("play", function () {
    document.body.classList.add("playing");
    if (ui.playing) ui.playing(true);
    if (!frame) frame = window.requestAnimationFrame(tick);
  });
  audio.addEventListener("pause", function () {
    document.body.classList.remove("playing");
    if (ui.playing) ui.playing(false);
    render();
  });
  ["timeupdate", "seeked", "loadedmetadata", "durationchange"].forEach(function (name) {
    audio.addEventListener(name, function () { render(); });
  });
  audio.addEventListener("loadedmetadata", function () {
    if (!duration && isFinite(audio.duration)) duration = audio.duration;
  });
  audio.addEventListener("error", function () {
    say("The audio could not be loaded (the server may be down or the file missing). Reload the page to try again.", "error");
  });

  /* ---------- autoscroll: follow the current line until the user scrolls by hand ---------- */

  var autoscroll = true, programmaticUntil = 0;
  var scroller = transcript && /(auto|scroll)/.test(getComputedStyle(transcript).overflowY) ? transcript : null;

  function visibleBand() {
    var top = 0, bottom = window.innerHeight;
    if (scroller) {
      var r = scroller.getBoundingClientRect();
      top = Math.max(top, r.top); bottom = Math.min(bottom, r.bottom);
    } else if (bar) {
      top = Math.max(top, bar.getBoundingClientRect().bottom);
    }
    return { top: top, bottom: bottom };
  }

  function inView(el) {
    var r = el.getBoundingClientRect(), band = visibleBand();
    var margin = Math.min(48, (band.bottom - band.top) / 6);
    return r.top >= band.top + margin * 0.5 && r.bottom <= band.bottom - margin;
  }

  function scrollToLine(el) {
    programmaticUntil = performance.now() + (reduced() ? 150 : 1500);
    el.scrollIntoView({ block: "center", inline: "nearest", behavior: reduced() ? "auto" : "smooth" });
  }

  function follow(el, visible) {
    if (!autoscroll) {
      if (backToNow && backToNow.hidden) backToNow.hidden = false;
      return;
    }
    if (!(visible === undefined ? inView(el) : visible)) scrollToLine(el);
  }

  function pauseAutoscroll() {
    if (!autoscroll || !aligned) return;
    autoscroll = false;
    if (backToNow && (activeTurn || !audio.paused)) backToNow.hidden = false;
  }

  function resumeAutoscroll(scroll) {
    autoscroll = true;
    if (backToNow) backToNow.hidden = true;
    var current = activeSentence || activeTurn;
    if (scroll && current && !inView(current.el)) scrollToLine(current.el);
  }

  function handScroll() {
    if (performance.now() < programmaticUntil) return;
    pauseAutoscroll();
  }
  window.addEventListener("wheel", function () { programmaticUntil = 0; pauseAutoscroll(); }, { passive: true });
  window.addEventListener("touchmove", function () { programmaticUntil = 0; pauseAutoscroll(); }, { passive: true });
  document.addEventListener("scroll", handScroll, { passive: true, capture: true });
  document.addEventListener("scrollend", function () { programmaticUntil = 0; }, { capture: true });
  if (backToNow) backToNow.addEventListener("click", function () { resumeAutoscroll(true); });

  /* ---------- clicks on the transcript ---------- */

  function lineOf(target) {
    var el = target && target.closest ? target.closest("[data-start]") : null;
    return el && transcript && transcript.contains(el) && isFinite(startOf(el)) ? el : null;
  }

  function lineItem(el) {
    for (var i = 0; i < lines.length; i++) if (lines[i].el === el) return lines[i];
    return null;
  }

  /* Roving tabindex: one line of the transcript is in the tab order, j/k and clicks move it. */
  function setFocusLine(item, focus) {
    if (!item) return;
    if (focusLine && focusLine !== item) focusLine.el.setAttribute("tabindex", "-1");
    focusLine = item;
    item.el.setAttribute("tabindex", "0");
    if (focus) item.el.focus({ preventScroll: true });
  }

  if (transcript && aligned) {
    lines.forEach(function (line) { line.el.tabIndex = -1; }); // focusable by script and click, one tab stop
    setFocusLine(lines[0], false);
    transcript.addEventListener("click", function (event) {
      var copy = event.target.closest ? event.target.closest(".copy-link") : null;
      if (copy) {
        var turnEl = copy.closest("[data-start]");
        if (turnEl) copyLink(startOf(turnEl));
        return;
      }
      if (event.target.closest && event.target.closest(".flag, .tag")) return;
      var selection = window.getSelection ? window.getSelection() : null;
      if (selection && !selection.isCollapsed && transcript.contains(selection.anchorNode)) return; // selecting text
      var el = lineOf(event.target); // a word plays from that word; it belongs to its sentence's line
      if (!el) return;
      var item = lineItem(el.classList.contains("word") ? el.parentElement : el);
      if (item) setFocusLine(item, false);
      playLine(el);
    });
    transcript.addEventListener("focusin", function (event) {
      var item = event.target.matches && event.target.matches("[data-start][tabindex]") ? lineItem(event.target) : null;
      if (item) setFocusLine(item, false);
    });
  }

  /* ---------- deep links: #t=125.4, ?t=125.4, #t=start,end (W3C media fragments, npt seconds or hh:mm:ss) ---------- */

  function parseClock(s) {
    s = String(s).trim().replace(/^npt:/, "");
    if (/^\d+(\.\d+)?s?$/.test(s)) return parseFloat(s);
    var m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(s);
    if (m) return (parseInt(m[1] || "0", 10) * 3600) + parseInt(m[2], 10) * 60 + parseFloat(m[3]);
    return NaN;
  }

  function fragment() {
    var raw = new URLSearchParams(location.hash.replace(/^#/, "")).get("t");
    if (raw === null) raw = new URLSearchParams(location.search).get("t");
    if (raw === null || raw === "") return null;
    var parts = raw.split(",");
    var start = parts[0] === "" ? 0 : parseClock(parts[0]);
    var end = parts.length > 1 && parts[1] !== "" ? parseClock(parts[1]) : null;
    if (!isFinite(start) || start < 0 || (end !== null && !(end > start))) {
      say("The link's time \u201c" + raw + "\u201d is not understood; use #t=125.4 or #t=1:02,1:10.", "error");
      return null;
    }
    return { start: start, end: end };
  }

  function applyFragment() {
    var f = fragment();
    if (!f) return;
    var go = function () {
      resumeAutoscroll(false);
      seekTo(f.start);
      rangeEnd = f.end;
      var current = activeSentence || activeTurn;
      if (current) { setFocusLine(lineItem(current.el) || focusLine, false); scrollToLine(current.el); }
      play();
    };
    if (audio.readyState >= 1) go();
    else audio.addEventListener("loadedmetadata", go, { once: true });
  }

  function copyLink(start) {
    var url = pageUrl + "#t=" + fixed(start);
    var done = function () { say("Link copied: " + url); };
    var fallback = function () {
      var area = document.createElement("textarea");
      area.value = url;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) done(); else say("Copy this link: " + url, "sticky");
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(done, fallback);
    else fallback();
  }

  /* ---------- keyboard ---------- */

  function step(delta) {
    if (!lines.length) return;
    var t = audio.currentTime + 0.02;
    var i = lastAtOrBefore(lines, t);
    var next = delta > 0 ? i + 1 : Math.max(0, i - 1);
    if (next >= lines.length) return;
    var item = lines[next];
    rangeEnd = null;
    resumeAutoscroll(false);
    setFocusLine(item, true);
    seekTo(item.start);
  }

  function seekBy(seconds) {
    rangeEnd = null;
    seekTo(audio.currentTime + seconds);
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    var native = target && target.closest && target.closest("button, a, summary, audio, details");
    switch (event.key) {
      case " ":
      case "Spacebar":
        if (native) return;
        event.preventDefault();
        toggle();
        break;
      case "j":
      case "J":
        event.preventDefault();
        step(1);
        break;
      case "k":
      case "K":
        event.preventDefault();
        step(-1);
        break;
      case "ArrowLeft":
      case "ArrowRight":
        if (target && target.closest && target.closest("audio")) return;
        event.preventDefault();
        seekBy(event.key === "ArrowLeft" ? -5 : 5);
        break;
      case "Home":
      case "End":
        if (target !== ui.strip) { pauseAutoscroll(); return; }
        event.preventDefault();
        seekTo(event.key === "Home" ? 0 : duration);
        break;
      case "Enter":
        if (target && target.matches && target.matches("[data-start][tabindex]") && transcript && transcript.contains(target)) {
          event.preventDefault();
          playLine(target);
        }
        break;
      case "/":
        if (ui.search) { event.preventDefault(); ui.search.focus(); ui.search.select(); }
        break;
      case "PageUp":
      case "PageDown":
      case "ArrowUp":
      case "ArrowDown":
        pauseAutoscroll();
        break;
      default:
    }
  });

  /* ---------- controls: play button, clock, speed ---------- */

  var controls = root.querySelector(".controls");
  var playButton = $("play");
  var nowText = $("now");
  var rate = $("rate");
  if (controls) {
    controls.hidden = false;
    audio.controls = false;
    audio.classList.add("enhanced");
  }
  if (playButton) {
    playButton.addEventListener("click", toggle);
    ui.playing = function (on) {
      playButton.classList.toggle("is-playing", on);
      playButton.setAttribute("aria-label", on ? "Pause" : "Play");
    };
  }
  if (rate) {
    var saved = null;
    try { saved = window.localStorage.getItem("seekline.rate"); } catch (e) { saved = null; }
    if (saved && rate.querySelector('option[value="' + saved + '"]')) rate.value = saved;
    var setRate = function () {
      audio.playbackRate = parseFloat(rate.value) || 1;
      audio.defaultPlaybackRate = audio.playbackRate;
    };
    setRate();
    audio.addEventListener("loadedmetadata", setRate);
    rate.addEventListener("change", function () {
      setRate();
      try { window.localStorage.setItem("seekline.rate", rate.value); } catch (e) { /* storage may be off */ }
    });
  }

  /* ---------- the timeline strip: speaker blocks, waveform peaks, playhead; click or drag to seek ---------- */

  var strip = $("strip");
  if (strip) {
    ui.strip = strip;
    var canvas = strip.querySelector("canvas");
    var played = strip.querySelector(".played");
    var playhead = strip.querySelector(".playhead");
    var tip = strip.querySelector(".strip-tip");
    var width = 0, peaks = null, peaksDuration = 0;
    var styles = getComputedStyle(document.documentElement);
    var colourOf = function (turn) {
      var spk = turn.el.getAttribute("data-spk");
      var c = spk ? styles.getPropertyValue("--spk-" + spk).trim() : "";
      return c || styles.getPropertyValue("--cue-colour").trim() || "#9aa0a6";
    };

    var draw = function () {
      if (!canvas) return;
      var w = strip.clientWidth, h = strip.clientHeight, dpr = window.devicePixelRatio || 1;
      width = w;
      if (!w || !h) return;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      var ctx = canvas.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      if (!duration) return;
      var band = Math.max(4, Math.round(h * 0.18)), wave = h - band - 2;
      turns.forEach(function (turn) {
        var x0 = turn.start / duration * w, x1 = turn.end / duration * w;
        ctx.fillStyle = colourOf(turn);
        ctx.globalAlpha = 1;
        ctx.fillRect(x0, h - band, Math.max(1, x1 - x0 - 0.5), band);
        if (!peaks) { ctx.globalAlpha = 0.22; ctx.fillRect(x0, 0, Math.max(1, x1 - x0 - 0.5), wave); }
      });
      ctx.globalAlpha = 1;
      if (!peaks || !peaks.length) return;
      var span = peaksDuration || duration, n = peaks.length, cols = Math.floor(w), ti = 0;
      var mid = wave / 2;
      for (var x = 0; x < cols; x++) {
        var t0 = x / w * duration, t1 = (x + 1) / w * duration;
        if (t0 >= span) break;
        var b0 = Math.floor(t0 / span * n), b1 = Math.max(b0 + 1, Math.ceil(t1 / span * n));
        var p = 0;
        for (var b = b0; b < b1 && b < n; b++) if (peaks[b] > p) p = peaks[b];
        while (ti < turns.length - 1 && turns[ti].end <= t0) ti++;
        var over = turns[ti] && turns[ti].start <= t1 && turns[ti].end > t0 ? turns[ti] : null;
        ctx.fillStyle = over && over.el.classList.contains("turn") ? colourOf(over) : (styles.getPropertyValue("--cue-colour").trim() || "#9aa0a6");
        var hgt = Math.max(1, Math.pow(p, 0.7) * wave);
        ctx.fillRect(x, mid - hgt / 2, 1, hgt);
      }
    };

    ui.position = function (t) {
      var x = duration ? Math.min(1, Math.max(0, t / duration)) : 0;
      if (playhead) playhead.style.transform = "translateX(" + (x * width).toFixed(1) + "px)";
      if (played) played.style.transform = "scaleX(" + x.toFixed(5) + ")";
    };
    ui.second = function (t) {
      if (nowText) nowText.textContent = clock(t);
      strip.setAttribute("aria-valuenow", fixed(Math.floor(t)));
      strip.setAttribute("aria-valuetext", clock(t) + " of " + clock(duration));
    };

    var timeAt = function (clientX) {
      var r = strip.getBoundingClientRect();
      return Math.min(1, Math.max(0, (clientX - r.left) / (r.width || 1))) * duration;
    };
    var dragging = false;
    strip.addEventListener("pointerdown", function (event) {
      if (event.button !== 0 || !duration) return;
      dragging = true;
      if (strip.setPointerCapture) strip.setPointerCapture(event.pointerId);
      rangeEnd = null;
      resumeAutoscroll(false);
      seekTo(timeAt(event.clientX));
    });
    strip.addEventListener("pointermove", function (event) {
      var t = timeAt(event.clientX);
      if (dragging) seekTo(t);
      if (tip && duration) {
        var turn = find(turns, t);
        var name = turn ? (turn.el.querySelector(".speaker") || turn.el).textContent.trim() : "";
        tip.textContent = clock(t) + (name && turn.el.classList.contains("turn") ? " \u00b7 " + name : "");
        tip.hidden = false;
        var r = strip.getBoundingClientRect();
        tip.style.left = Math.min(Math.max(0, event.clientX - r.left), r.width) + "px";
      }
    });
    var stopDrag = function () { dragging = false; };
    strip.addEventListener("pointerup", stopDrag);
    strip.addEventListener("pointercancel", stopDrag);
    strip.addEventListener("pointerleave", function () { if (tip) tip.hidden = true; });

    if (window.ResizeObserver) new ResizeObserver(function () { draw(); render(); }).observe(strip);
    else window.addEventListener("resize", function () { draw(); render(); });
    draw();

    var peaksUrl = root.getAttribute("data-peaks");
    if (peaksUrl && aligned) {
      fetch(peaksUrl, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && Array.isArray(body.peaks)) {
            peaks = body.peaks;
            peaksDuration = parseFloat(body.duration) || duration;
            draw();
          }
        })
        .catch(function () { /* the strip still shows the turns; the waveform is decoration */ });
    }
  } else {
    ui.second = function (t) { if (nowText) nowText.textContent = clock(t); };
  }

  /* ---------- search within the transcript ---------- */

  var tools = root.querySelector(".tools");
  var search = $("search");
  if (tools && transcript) tools.hidden = false;
  if (search && transcript) {
    ui.search = search;
    var form = $("search-form"), count = $("search-count");
    var targets = Array.prototype.map.call(transcript.querySelectorAll(".sentence, .cue"), function (el) {
      return { el: el, text: el.textContent, folded: null, marked: false };
    });
    var matches = [], current = -1, lastQuery = "", pendingSearch = 0;

    /* Lower case without accents, one UTF-16 unit for one, so indices map back onto the original text. */
    var fold = function (s) {
      var out = "";
      for (var i = 0; i < s.length; i++) {
        var c = s[i], f = c.normalize ? c.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase() : c.toLowerCase();
        out += f.length === 1 ? f : (c.toLowerCase().length === 1 ? c.toLowerCase() : c);
      }
      return out;
    };

    var clearMarks = function () {
      targets.forEach(function (target) {
        if (target.marked) { target.el.textContent = target.text; target.marked = false; }
      });
      matches = [];
      current = -1;
    };

    var runSearch = function (query) {
      query = query.trim();
      if (query === lastQuery) return;
      lastQuery = query;
      clearMarks();
      if (count) count.textContent = "";
      if (query.length < SEARCH_MIN) return;
      var needle = fold(query);
      for (var k = 0; k < targets.length && matches.length < SEARCH_MAX; k++) {
        var target = targets[k];
        if (target.folded === null) target.folded = fold(target.text);
        var at = target.folded.indexOf(needle);
        if (at < 0) continue;
        var fragment = document.createDocumentFragment(), from = 0;
        while (at >= 0 && matches.length < SEARCH_MAX) {
          fragment.appendChild(document.createTextNode(target.text.slice(from, at)));
          var mark = document.createElement("mark");
          mark.className = "hit";
          mark.textContent = target.text.slice(at, at + needle.length);
          fragment.appendChild(mark);
          matches.push({ mark: mark, line: target.el });
          from = at + needle.length;
          at = target.folded.indexOf(needle, from);
        }
        fragment.appendChild(document.createTextNode(target.text.slice(from)));
        target.el.textContent = "";
        target.el.appendChild(fragment);
        target.marked = true;
      }
      if (count) count.textContent = matches.length ? matches.length + (matches.length >= SEARCH_MAX ? "+" : "") + " found" : "No matches";
    };

    var go = function (delta) {
      window.clearTimeout(pendingSearch);
      runSearch(search.value);
      if (!matches.length) return;
      var previous = matches[current];
      if (current < 0) {
        // First jump: the first match at or after what is playing now.
        var t = audio.currentTime - 0.01;
        current = 0;
        for (var i = 0; i < matches.length; i++) {
          var s = startOf(matches[i].line);
          if (isFinite(s) && s >= t) { current = i; break; }
        }
        if (delta < 0) current = (current - 1 + matches.length) % matches.length;
      } else {
        current = (current + delta + matches.length) % matches.length;
      }
      if (previous) previous.mark.classList.remove("current");
      var match = matches[current];
      match.mark.classList.add("current");
      if (count) count.textContent = (current + 1) + " of " + matches.length + (matches.length >= SEARCH_MAX ? "+" : "");
      var start = startOf(match.line);
      if (isFinite(start)) {
        rangeEnd = null;
        resumeAutoscroll(false);
        var item = lineItem(match.line);
        if (item) setFocusLine(item, false);
        seekTo(start);
      }
      scrollToLine(match.mark);
    };

    search.addEventListener("input", function () {
      window.clearTimeout(pendingSearch);
      pendingSearch = window.setTimeout(function () { runSearch(search.value); }, 150);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); go(event.shiftKey ? -1 : 1); }
      else if (event.key === "Escape") { search.value = ""; runSearch(""); search.blur(); }
    });
    if (form) form.addEventListener("submit", function (event) { event.preventDefault(); go(1); });
    var prev = $("search-prev");
    if (prev) prev.addEventListener("click", function () { go(-1); });
  }

  /* ---------- while alignment runs: poll the API, show progress, reload when done ---------- */

  function apiMessage(response, body) {
    var err = body && body.error;
    var text = err && (err.message || (typeof err === "string" ? err : ""));
    return text || ("the server answered " + response.status + (response.statusText ? " " + response.statusText : ""));
  }

  var pending = $("pending");
  var apiUrl = root.getAttribute("data-api");
  if (!aligned && pending && apiUrl && root.getAttribute("data-status") !== "failed") {
    var progress = pending.querySelector("progress");
    var progressText = pending.querySelector(".progress-text");
    var delay = 2000;
    var poll = function () {
      fetch(apiUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) {
          return response.json().catch(function () { return null; }).then(function (body) {
            if (!response.ok) {
              var e = new Error(apiMessage(response, body));
              e.status = response.status;
              throw e;
            }
            return body;
          });
        })
        .then(function (body) {
          delay = 2000;
          var state = window.seeklineStatus(body);
          if (state.aligned) {
            say("Alignment finished; loading the timed transcript\u2026", "sticky");
            if (audio.currentTime > 0) history.replaceState(null, "", "#t=" + fixed(audio.currentTime));
            location.reload();
            return;
          }
          if (state.status === "failed") {
            pending.innerHTML = "";
            var p = document.createElement("p");
            p.className = "message error";
            p.textContent = "Alignment failed: " + (state.error || "no reason was recorded") + ".";
            pending.appendChild(p);
            return;
          }
          if (progress) {
            if (state.fraction === null) progress.removeAttribute("value");
            else progress.value = state.fraction;
          }
          if (progressText) {
            progressText.textContent = (state.stage ? state.stage.replace(/_/g, " ") + " " : state.status + " ") +
              (state.fraction !== null ? Math.round(state.fraction * 100) + "%" : "");
          }
          if (message && !message.classList.contains("error")) say("");
          window.setTimeout(poll, delay);
        })
        .catch(function (err) {
          if (err && err.status === 404) {
            say("This episode no longer exists: " + err.message, "error");
            return;
          }
          delay = Math.min(delay * 2, 30000);
          say("Could not get the alignment status (" + (err && err.message ? err.message : "network error") +
              "); retrying in " + Math.round(delay / 1000) + " s.", "error");
          window.setTimeout(poll, delay);
        });
    };
    window.setTimeout(poll, 500);
  }

  /* ---------- start ---------- */

  window.addEventListener("hashchange", applyFragment);
  applyFragment();
  render(audio.currentTime);

  /* A small handle for tests and embedding pages. */
  window.seekline = {
    turns: turns,
    lines: lines,
    render: render,
    seek: seekTo,
    get autoscroll() { return autoscroll; },
  };
})();
