/* Seekline library page: while an episode is queued or running, poll the API and show its progress live.
   window.seeklineLibrary.add(episode) puts a new episode (as the API returns it) at the top and watches it. */
(function () {
  "use strict";

  var list = document.getElementById("episodes");
  var message = document.getElementById("library-message");
  if (!list) return;
  var url = list.getAttribute("data-api");
  var empty = document.getElementById("episodes-empty");
  var delay = 2000;
  var timer = null;
  var inflight = false;  // one poll at a time: a poll that ends while rows are busy schedules the next

  function busy() { return list.querySelector('.episode[data-status="queued"], .episode[data-status="running"]'); }

  function number(v) { var n = typeof v === "string" ? parseFloat(v) : v; return typeof n === "number" && isFinite(n) ? n : null; }

  function show(text) {
    if (!message) return;
    message.textContent = text || "";
    message.hidden = !text;
    message.className = "message" + (text ? " error" : "");
  }

  function clock(seconds) {
    var n = number(seconds);
    if (n === null) return "";
    var total = Math.floor(n), h = Math.floor(total / 3600), m = Math.floor(total % 3600 / 60), s = total % 60;
    var two = function (x) { return (x < 10 ? "0" : "") + x; };
    return h ? h + ":" + two(m) + ":" + two(s) : m + ":" + two(s);
  }

  function schedule(ms) {
    if (timer === null && !inflight) timer = window.setTimeout(function () { timer = null; poll(); }, ms);
  }

  /* A row like the server renders, for an episode added on this page. */
  function add(ep) {
    if (!ep || !ep.id || find(ep.id)) { if (ep) update(ep); schedule(1000); return; }
    var row = document.createElement("li");
    row.className = "episode";
    row.setAttribute("data-id", ep.id);
    var link = document.createElement("a");
    link.href = (ep.links && ep.links.player) || "/episodes/" + encodeURIComponent(ep.id);
    link.textContent = ep.title || ep.id;
    var meta = document.createElement("span");
    meta.className = "meta";
    var badge = document.createElement("span");
    badge.className = "status";
    meta.appendChild(document.createTextNode(clock(ep.duration) + " · "));
    meta.appendChild(badge);
    row.appendChild(link);
    row.appendChild(meta);
    list.insertBefore(row, list.firstChild);
    list.hidden = false;
    if (empty) empty.hidden = true;
    update(ep);
    var bar = row.querySelector("progress");
    if (bar) bar.setAttribute("aria-label", "Alignment progress of " + link.textContent);
    schedule(1000);
  }

  function find(id) {
    return list.querySelector('.episode[data-id="' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"]');
  }

  function update(ep) {
    var row = find(ep.id);
    if (!row) return;
    var s = window.seeklineStatus(ep);
    row.setAttribute("data-status", s.status);
    var badge = row.querySelector(".status");
    if (badge) {
      badge.className = "status status-" + s.status;
      badge.textContent = s.status + (s.status === "running" && s.stage ? " · " + s.stage.replace(/_/g, " ") : "") +
        (s.status === "running" && s.fraction !== null ? " " + Math.round(s.fraction * 100) + "%" : "");
    }
    var bar = row.querySelector("progress");
    if (s.status === "queued" || s.status === "running") {
      if (!bar) {
        bar = document.createElement("progress");
        bar.className = "progress";
        bar.max = 1;
        bar.setAttribute("aria-label", "Alignment progress");
        row.appendChild(bar);
      }
      if (s.fraction === null) bar.removeAttribute("value"); else bar.value = s.fraction;
    } else if (bar) {
      bar.remove();
    }
    if (s.status === "failed" && s.error && !row.querySelector(".error-text")) {
      var p = document.createElement("p");
      p.className = "error-text";
      p.textContent = s.error;
      row.appendChild(p);
    }
  }

  function poll() {
    inflight = true;
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (!r.ok) {
            var e = body && body.error;
            throw new Error((e && e.message) || "the server answered " + r.status);
          }
          return body;
        });
      })
      .then(function (body) {
        var items = (body && body.episodes) || [];
        inflight = false;
        items.forEach(update);
        show("");
        delay = 2000;
        if (busy()) schedule(delay);
      })
      .catch(function (err) {
        inflight = false;
        delay = Math.min(delay * 2, 30000);
        show("Could not refresh the episode list (" + (err.message || "network error") + "); retrying in " +
          Math.round(delay / 1000) + " s.");
        schedule(delay);
      });
  }

  window.seeklineLibrary = { add: add };
  if (busy()) schedule(1000);
})();
