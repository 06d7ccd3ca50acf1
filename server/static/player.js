/* Seekline player: click a line to play it; the line being spoken is highlighted.
 * Plain JavaScript, no build step. Reads the server-rendered transcript's data-start/data-end. */
(function () {
  "use strict";

  var audio = document.getElementById("player");
  var transcript = document.getElementById("transcript");
  var message = document.getElementById("player-message");
  if (!audio || !transcript) return;

  function show(text) {
    if (!message) return;
    message.textContent = text;
    message.hidden = !text;
  }

  /* Elements with numeric times, sorted by start: [{el, start, end, children}]. */
  function timed(nodes) {
    var items = [];
    Array.prototype.forEach.call(nodes, function (el) {
      var start = parseFloat(el.getAttribute("data-start"));
      var end = parseFloat(el.getAttribute("data-end"));
      if (isFinite(start) && isFinite(end)) items.push({ el: el, start: start, end: end, children: [] });
    });
    items.sort(function (a, b) { return a.start - b.start; });
    return items;
  }

  var lines = timed(transcript.querySelectorAll(":scope > [data-id]"));
  lines.forEach(function (line) { line.children = timed(line.el.querySelectorAll(".sentence[data-start]")); });

  /* Binary search: the last item starting at or before t, if t is before its end. */
  function find(items, t) {
    var lo = 0, hi = items.length - 1, best = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (items[mid].start <= t) { best = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return best >= 0 && t < items[best].end ? items[best] : null;
  }

  var activeLine = null, activeSentence = null;

  /* Move the "active" class from one item to another, touching only what changes. */
  function swap(current, next) {
    if (current === next) return current;
    if (current) current.el.classList.remove("active");
    if (next) next.el.classList.add("active");
    return next;
  }

  function update() {
    var t = audio.currentTime;
    var line = find(lines, t);
    activeLine = swap(activeLine, line);
    activeSentence = swap(activeSentence, line ? find(line.children, t) : null);
  }

  var frame = 0;
  function tick() {
    update();
    frame = audio.paused ? 0 : window.requestAnimationFrame(tick);
  }
  audio.addEventListener("play", function () { if (!frame) frame = window.requestAnimationFrame(tick); });
  ["timeupdate", "seeked", "loadedmetadata", "pause"].forEach(function (name) {
    audio.addEventListener(name, update);
  });
  audio.addEventListener("error", function () {
    show("The audio could not be loaded. Reload the page to try again.");
  });

  function play(start) {
    audio.currentTime = start;
    var started = audio.play();
    if (started && started.catch) {
      started.catch(function (err) {
        if (err && err.name === "NotAllowedError") show("Press play to start the audio.");
      });
    }
    update();
  }

  function lineOf(target) {
    var el = target.closest ? target.closest("[data-start]") : null;
    return el && transcript.contains(el) && isFinite(parseFloat(el.getAttribute("data-start"))) ? el : null;
  }

  transcript.addEventListener("click", function (event) {
    var el = lineOf(event.target);
    if (el) play(parseFloat(el.getAttribute("data-start")));
  });
  transcript.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    if (!event.target.matches || !event.target.matches("[data-start][tabindex]")) return;
    event.preventDefault();
    play(parseFloat(event.target.getAttribute("data-start")));
  });
})();
