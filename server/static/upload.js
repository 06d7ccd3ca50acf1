/* Seekline library page: the "Add an episode" form.

   The API token comes from ?token=... (then kept in sessionStorage and removed from the address bar) or from the
   "API token" field. It is only ever sent as the Authorization header of POST /api/episodes, never as form data.
   The upload goes through XMLHttpRequest for its upload progress; the new episode is handed to library.js, which
   shows it in the list and polls its job. */
(function () {
  "use strict";

  var KEY = "seekline.apiToken";
  var section = document.getElementById("add-episode");
  if (!section) return;
  var tokenForm = document.getElementById("token-form");
  var tokenInput = document.getElementById("token-input");
  var form = document.getElementById("upload-form");
  var audio = document.getElementById("upload-audio");
  var textFile = document.getElementById("upload-transcript-file");
  var text = document.getElementById("upload-transcript-text");
  var title = document.getElementById("upload-title");
  var language = document.getElementById("upload-language");
  var submit = document.getElementById("upload-submit");
  var cancel = document.getElementById("upload-cancel");
  var change = document.getElementById("token-change");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var error = document.getElementById("upload-error");
  var memory = null;  // the token when sessionStorage is unavailable
  var xhr = null;

  function getToken() {
    try { return window.sessionStorage.getItem(KEY) || memory; } catch (e) { return memory; }
  }

  function setToken(value) {
    memory = value || null;
    try {
      if (value) window.sessionStorage.setItem(KEY, value); else window.sessionStorage.removeItem(KEY);
    } catch (e) { /* private mode: the in-memory copy is enough for this page */ }
  }

  /* ?token=... : keep it for this tab and take it out of the visible URL (and so out of history and bookmarks). */
  function tokenFromUrl() {
    var params = new URLSearchParams(window.location.search);
    var value = params.get("token");
    if (value === null) return;
    if (value.trim()) setToken(value.trim());
    params.delete("token");
    var rest = params.toString();
    window.history.replaceState(window.history.state, "",
      window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
  }

  function say(message) { status.textContent = message || ""; }

  function fail(message) {
    error.textContent = message || "";
    error.hidden = !message;
  }

  function render(askToken) {
    var known = !!getToken();
    section.hidden = false;
    tokenForm.hidden = known && !askToken;
    form.hidden = !known;
  }

  function busy(on) {
    submit.disabled = on;
    cancel.hidden = !on;
    bar.hidden = !on;
    form.setAttribute("aria-busy", on ? "true" : "false");
    if (!on) bar.removeAttribute("value");
  }

  /* The API's error, in words a person can act on, with the server's own message. */
  function explain(code, body) {
    var e = body && body.error;
    var detail = e && e.message ? e.message : "";
    var lead = {
      400: "The form was not accepted.",
      401: "The API token was not accepted. Check it and enter it again.",
      413: "The file is too large for this server.",
      422: "The audio or the transcript could not be used.",
      500: "The server failed while storing the episode.",
    }[code] || "The upload failed (the server answered " + code + ").";
    return detail ? lead + " " + detail.charAt(0).toUpperCase() + detail.slice(1) : lead;
  }

  function send(data, token) {
    xhr = new XMLHttpRequest();
    var request = xhr;
    request.open("POST", section.getAttribute("data-upload"));
    request.setRequestHeader("Authorization", "Bearer " + token);
    request.setRequestHeader("Accept", "application/json");
    request.responseType = "text";
    request.upload.onprogress = function (ev) {
      if (!ev.lengthComputable || !ev.total) return;
      bar.value = ev.loaded / ev.total;
      say("Uploading… " + Math.floor(ev.loaded / ev.total * 100) + "%");
    };
    request.upload.onload = function () {
      bar.removeAttribute("value");
      say("Uploaded; checking the audio and the transcript…");
    };
    request.onload = function () {
      xhr = null;
      busy(false);
      var body = null;
      try { body = JSON.parse(request.responseText); } catch (e) { body = null; }
      if (request.status === 202 && body && body.episode) {
        var ep = body.episode;
        if (!ep.job && body.job) ep.job = body.job;
        form.reset();
        say("Added “" + (ep.title || ep.id) + "”. Its alignment is in the list below.");
        if (window.seeklineLibrary) window.seeklineLibrary.add(ep);
        return;
      }
      say("");
      fail(explain(request.status, body));
      if (request.status === 401) {
        render(true);
        tokenInput.focus();
      }
    };
    request.onerror = function () {
      xhr = null;
      busy(false);
      say("");
      fail("The upload did not reach the server (network error, or the connection was closed; a file larger than " +
        "the server accepts can cause this).");
    };
    request.onabort = function () {
      xhr = null;
      busy(false);
      say("Upload cancelled.");
    };
    request.send(data);
  }

  tokenForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var value = tokenInput.value.trim();
    if (!value) { tokenInput.focus(); return; }
    setToken(value);
    tokenInput.value = "";
    fail("");
    render(false);
    audio.focus();
  });

  change.addEventListener("click", function () {
    render(true);
    tokenInput.focus();
  });

  cancel.addEventListener("click", function () { if (xhr) xhr.abort(); });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    fail("");
    say("");
    var token = getToken();
    if (!token) { render(true); tokenInput.focus(); return; }
    if (!audio.files || !audio.files.length) { fail("Choose an audio file."); audio.focus(); return; }
    var hasFile = textFile.files && textFile.files.length;
    if (!hasFile && !text.value.trim()) {
      fail("Add the transcript: choose a file or paste the text.");
      text.focus();
      return;
    }
    var lang = language.value.trim().toLowerCase() || "eng";
    if (!/^[a-z]{3}$/.test(lang)) {
      fail("The language must be three letters (ISO 639-3), such as eng.");
      language.focus();
      return;
    }
    var data = new FormData();
    data.append("audio", audio.files[0]);
    if (hasFile) data.append("transcript", textFile.files[0]); else data.append("transcript", text.value);
    if (title.value.trim()) data.append("title", title.value.trim());
    data.append("language", lang);
    busy(true);
    say("Uploading…");
    send(data, token);
  });

  tokenFromUrl();
  render(false);
})();
