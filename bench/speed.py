"""Speed bench: time Seekline on hour-long broadcasts against the ffmpeg decode and plain aeneas.

    .venv/bin/python bench/speed.py [--data ../shared/data] [--sizes 60,180] [--runs 3] [--skip-plain] [--profile]
                                    [--json]

For each size (minutes) it builds, or reuses from --out (default: $SEEKLINE_BENCH_DIR/speed or
<tmp>/seekline-bench/speed, never inside the repository), a broadcast of whole shared-data episodes end to
end, encoded as stations publish it (44.1 kHz stereo 128 kbps MP3), with its "SURNAME: text" transcript.
Then, each in a fresh subprocess so peak RSS is per run, it measures:

1. ``decode``: ffmpeg decoding the MP3 to 16 kHz mono WAV;
2. ``seekline``: ``aligner.pipeline.align(mp3, load_transcript(transcript))``, as the CLI and server call it;
   these two in turn, ``--runs`` rounds (default 3): the medians count, Seekline's peak RSS is the highest of its
   runs, and its ratio to the decode is the median of the rounds' (each round's runs are seconds apart, so the
   machine's drifting speed cancels out);
3. ``plain``: aeneas at its defaults on the decoded WAV, one fragment per parsed sentence
   (bench/plain_aeneas.py); plain aeneas needs ~2 GB per hour of audio (``--skip-plain`` skips it).

It prints wall time, RTF (wall / audio duration), peak RSS (of the whole process tree, sampled; the process
itself; its largest child) and Seekline's wall time over the decode's and over plain aeneas's. It prints figures;
it passes no judgement. ``--profile`` adds one more Seekline run under cProfile and prints its top functions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make `bench` and `aligner` importable
    sys.path.insert(0, str(REPO))

from bench import scoring, suite  # noqa: E402

VERSION = 1  # bump when the recipe changes, so cached builds are rebuilt
SEED = 700  # the broadcast for N minutes uses seed SEED + N
MINUTES_PER_EPISODE = 3.0  # make_broadcast's 24-turn episodes last ~4 min; build with room to spare
MP3 = ["-ar", "44100", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k"]
DECODE = ["-map", "0:a:0", "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-f", "wav"]
PROFILE_TOP = 25
TREE_POLL_S = 0.05  # how often the job's process tree is sampled for its summed RSS


# -- building the broadcasts ------------------------------------------------------------------------

def build(data: Path, work: Path, minutes: int, seed: int) -> None:
    """Whole episodes end to end until ``minutes``, streamed into one 44.1 kHz stereo 128 kbps MP3."""
    stems = suite.make_broadcast(data, work / "src", seed, episodes=int(minutes / MINUTES_PER_EPISODE) + 2)
    enc = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(suite.SR),
                            "-ac", "1", "-i", "-", *MP3, str(work / "audio.mp3")], stdin=subprocess.PIPE)
    assert enc.stdin is not None
    turns: list[dict[str, Any]] = []
    t = 0.0
    try:
        for stem in stems:
            y = suite.load(stem.with_suffix(".wav"))
            turns += suite.shift(suite.read_truth(stem), t)["turns"]
            enc.stdin.write(y.tobytes())
            t += len(y) / suite.SR
            if t >= minutes * 60:
                break
    finally:
        enc.stdin.close()
        if enc.wait() != 0:
            raise RuntimeError("ffmpeg could not encode the broadcast")
    if t < minutes * 60:
        raise RuntimeError(f"only {t / 60:.1f} minutes of episodes for {minutes}; build more")
    truth = {"turns": turns, "seed": seed, "episodes": stems.index(stem) + 1, "duration_s": round(t, 3),
             "audio": "audio.mp3"}
    (work / "transcript.txt").write_text("".join(f"{x['speaker']}: {x['text']}\n\n" for x in turns))
    (work / "truth.json").write_text(json.dumps(truth, indent=1))


def ensure(data: Path, out: Path, minutes: int) -> Path:
    """Build the broadcast for ``minutes`` unless a cached build exists; return its folder."""
    seed = SEED + minutes
    final = out / f"broadcast-{minutes}min-s{seed}-v{VERSION}"
    if not (final / "truth.json").exists():
        out.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".broadcast-{minutes}-", dir=out))
        try:
            build(data, work, minutes, seed)
            shutil.rmtree(work / "src", ignore_errors=True)
            if final.exists():
                shutil.rmtree(final)
            work.rename(final)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return final


# -- one measured run, in a fresh interpreter --------------------------------------------------------

def _load_transcript(path: Path) -> Any:
    try:
        from aligner.transcript import load_transcript
    except ImportError:  # the parser may live in the transcripts package
        from aligner.transcripts import load_transcript  # type: ignore[no-redef,attr-defined]
    return load_transcript(path)


def child(kind: str, folder: Path, result: Path, profile: bool = False) -> None:
    """Do one measured job in this process and write its figures to ``result`` as JSON."""
    doc: dict[str, Any] = {"kind": kind}
    wall = 0.0
    mp3, wav = folder / "audio.mp3", folder / "audio16k.wav"
    t0 = time.perf_counter()
    if kind == "decode":
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(mp3), *DECODE, str(wav)], check=True)
    elif kind == "seekline":
        from aligner import audio, pipeline

        # the builder overshoots a size by a few minutes (--sizes 240: 242 minutes), past the 4-hour default cap
        audio.configure(max_duration=max(audio.limits().max_duration, 5 * 3600.0))

        stages: dict[str, float] = {}

        def progress(stage: str, fraction: float) -> None:
            stages.setdefault(stage, round(time.perf_counter() - t0, 2))

        prof = None
        if profile:
            import cProfile

            prof = cProfile.Profile()
            prof.enable()
        syncmap = pipeline.align(mp3, _load_transcript(folder / "transcript.txt"), progress=progress)
        wall = time.perf_counter() - t0
        if prof is not None:
            prof.disable()
        doc["stages"] = stages
        doc["segments"] = len(syncmap.segments)
        (folder / ("syncmap-profiled.json" if profile else "syncmap.json")).write_text(
            json.dumps(syncmap.to_dict(), indent=1))
        if prof is not None:
            import io
            import pstats

            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(PROFILE_TOP)
            doc["profile"] = buf.getvalue()
    elif kind == "plain":
        from bench import plain_aeneas

        transcript = _load_transcript(folder / "transcript.txt")
        lines = [s.speech for t in transcript.turns for s in t.sentences if s.speakable]
        (folder / "sentences.txt").write_text("".join(" ".join(x.split()) + "\n" for x in lines))
        t0 = time.perf_counter()  # the parse above is not aeneas's work
        doc["fragments"] = plain_aeneas.run(str(wav), str(folder / "sentences.txt"), str(folder / "plain.json"))
        doc["sentences"] = len(lines)
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    doc["wall_s"] = wall if kind == "seekline" else time.perf_counter() - t0
    doc["rss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    doc["rss_child_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result.write_text(json.dumps(doc))


def measure(kind: str, folder: Path, duration: float, profile: bool = False) -> dict[str, Any]:
    """Run :func:`child` in a fresh interpreter; return its figures (or the error it died with)."""
    with tempfile.TemporaryDirectory(prefix="seekline-speed-") as tmp:
        result = Path(tmp) / "result.json"
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--folder", str(folder),
                "--result", str(result)] + (["--profile"] if profile else [])
        code = commit()  # the pipeline changes under the bench: note what each run measured
        t0 = time.perf_counter()
        with subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
            tree_mb = 0.0
            while proc.poll() is None:  # the job's whole process tree, summed: window workers run side by side
                tree_mb = max(tree_mb, _tree_rss_mb(proc.pid))
                time.sleep(TREE_POLL_S)
            out, err = proc.communicate()
        total = time.perf_counter() - t0
        if proc.returncode != 0 or not result.exists():
            tail = (err or out).strip().splitlines()[-3:]
            return {"kind": kind, "error": f"exit {proc.returncode}: {' | '.join(tail)}", "process_s": total}
        doc = json.loads(result.read_text())
    doc["commit"] = code
    doc["process_s"] = total  # including interpreter start-up and imports
    doc["rtf"] = doc["wall_s"] / duration
    # The processes doing the work: ffmpeg for the decode, else the whole tree (the Python process, its
    # window workers, eSpeak). RUSAGE_CHILDREN can include a parent's RSS at fork time (Linux charges it
    # before exec), so the tree is sampled instead.
    doc["rss_tree_mb"] = tree_mb
    doc["rss_peak_mb"] = doc["rss_child_mb"] if kind == "decode" else tree_mb
    return doc


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants now, in MB (0 for what has already gone)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


# -- the report --------------------------------------------------------------------------------------

def run_size(data: Path, out: Path, minutes: int, a: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    folder = ensure(data, out, minutes)
    truth = json.loads((folder / "truth.json").read_text())
    duration = float(truth["duration_s"])
    log(f"[{minutes} min] broadcast ready in {time.perf_counter() - t0:.0f} s: {folder / 'audio.mp3'} "
        f"({duration / 60:.1f} min, {len(truth['turns'])} turns)")
    # decode and Seekline in turn, round after round: the machine's speed drifts, and each round's ratio compares
    # runs taken seconds apart
    rounds = []
    for k in range(a.runs):
        rounds.append((measure("decode", folder, duration), measure("seekline", folder, duration)))
        log(f"[{minutes} min] round {k + 1}: decode {_brief(rounds[-1][0])}; seekline {_brief(rounds[-1][1])}")
    runs = {name: _median([r[i] for r in rounds]) for i, name in enumerate(("decode", "seekline"))}
    if "error" not in runs["seekline"]:  # the peak of any run; what the timed runs produced, against the truth
        runs["seekline"]["rss_peak_mb"] = max(r[1]["rss_peak_mb"] for r in rounds if "error" not in r[1])
        score = scoring.score(json.loads((folder / "syncmap.json").read_text()), truth)
        runs["seekline"]["accuracy"] = {"turn_start": score.starts.to_dict(), "flags": score.flags.to_dict()}
    paired = sorted(s["wall_s"] / d["wall_s"] for d, s in rounds if "error" not in d and "error" not in s)
    if not a.skip_plain:
        if "error" in runs["decode"]:
            runs["plain"] = {"kind": "plain", "error": "no decoded WAV (the decode failed)"}
        else:
            runs["plain"] = measure("plain", folder, duration)
        log(f"[{minutes} min] plain aeneas: {_brief(runs['plain'])}")
    if a.profile:
        runs["seekline_profiled"] = measure("seekline", folder, duration, profile=True)
        log(f"[{minutes} min] seekline under cProfile: {_brief(runs['seekline_profiled'])}")
    sk = runs["seekline"]
    ratios = {}
    if paired:  # the median round's
        ratios["seekline/decode"] = paired[len(paired) // 2]
    if "plain" in runs and "error" not in runs["plain"] and "error" not in sk:
        ratios["seekline/plain"] = sk["wall_s"] / runs["plain"]["wall_s"]
    return {"minutes": minutes, "audio": str(folder / "audio.mp3"), "duration_s": duration,
            "turns": len(truth["turns"]), "runs": runs, "ratios": ratios,
            "round_ratios": [round(x, 3) for x in paired]}


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time of those that worked (the first error if none did), with every run's."""
    ok = sorted((r for r in runs if "error" not in r), key=lambda r: r["wall_s"])
    if not ok:
        return runs[0]
    return {**ok[len(ok) // 2], "runs_s": [round(r["wall_s"], 2) for r in runs if "error" not in r]}


def _brief(r: dict[str, Any]) -> str:
    if "error" in r:
        return "ERROR " + r["error"]
    return f"{r['wall_s']:.1f} s, RTF {r['rtf']:.4f}, peak RSS {r['rss_peak_mb']:.0f} MB"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def report(results: list[dict[str, Any]], context: dict[str, Any]) -> str:
    head = (f"{'size':<9}{'run':<19}{'wall s':>9}{'RTF':>9}{'peak MB':>9}{'self MB':>9}{'child MB':>9}"
            f"{'tree MB':>9}  notes")
    lines = [f"commit {context['commit']}  at {context['time']}  on {context['host']} "
             f"({context['cpus']} CPUs, load {context['load']})", "", head, "-" * (len(head) + 20)]
    for res in results:
        size = f"{res['duration_s'] / 60:.1f}m"
        for name, r in res["runs"].items():
            if "error" in r:
                lines.append(f"{size:<9}{name:<19}  ERROR {r['error']}")
                continue
            notes = ""
            if "runs_s" in r:
                notes = "runs " + ", ".join(f"{x:.2f}" for x in r["runs_s"])
            if name.startswith("seekline"):
                notes += "; " if notes else ""
                if r.get("commit") != context["commit"]:
                    notes += f"[{r.get('commit')}] "
                notes += "stages at " + ", ".join(f"{k} {v:.1f}" for k, v in r.get("stages", {}).items())
            elif name == "plain":
                notes = f"{r.get('sentences')} sentences, {r.get('fragments')} timed"
            lines.append(f"{size:<9}{name:<19}{r['wall_s']:>9.1f}{r['rtf']:>9.4f}{r['rss_peak_mb']:>9.0f}"
                         f"{r['rss_self_mb']:>9.0f}{r['rss_child_mb']:>9.0f}{r.get('rss_tree_mb', 0):>9.0f}  {notes}")
        acc = res["runs"].get("seekline", {}).get("accuracy")
        if acc:
            st, fl = acc["turn_start"], acc["flags"]
            lines.append(f"{'':<9}seekline turn starts vs truth: median {st['median_ms']:.0f} ms, "
                         f"p95 {st['p95_ms']:.0f} ms, {st['within_1000'] * 100:.0f}% within 1 s; {fl['wrong']} wrong "
                         f"({fl['wrong_flagged']} flagged), {fl['right_flagged']} of {fl['right']} right turns flagged")
        ratios = "  ".join(f"{k} = {v:.2f}x" for k, v in res["ratios"].items())
        if len(res["round_ratios"]) > 1:
            ratios += f"  (seekline/decode by round: {', '.join(f'{x:.2f}' for x in res['round_ratios'])})"
        lines += [f"{'':<9}{ratios or 'no ratios (a run failed or was skipped)'}", ""]
    lines += ["wall = the job alone (interpreter start-up excluded); RTF = wall / audio duration;",
              "peak = ffmpeg's for decode, else tree: the peak of the whole process tree's summed RSS, sampled",
              f"every {TREE_POLL_S * 1000:.0f} ms (the aligning process, its window workers, ffmpeg and eSpeak), the",
              "highest of Seekline's runs; the other columns are its median run's;",
              "self = the aligning process alone; child = its largest child (Linux may charge it with the",
              "parent's RSS at fork time)."]
    for res in results:
        prof = res["runs"].get("seekline_profiled", {}).get("profile")
        if prof:
            lines += ["", f"cProfile of Seekline's align, {res['duration_s'] / 60:.1f} min, "
                      f"top {PROFILE_TOP} by cumulative time:", prof.strip()]
    return "\n".join(lines)


def _git(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def commit() -> str:
    """The checked-out commit, noting uncommitted changes under aligner/."""
    dirty = " + uncommitted changes" if _git("status", "--porcelain", "--", "aligner") else ""
    return (_git("rev-parse", "--short", "HEAD") or "unknown") + dirty


def context() -> dict[str, Any]:
    return {"commit": commit(),
            "time": time.strftime("%Y-%m-%d %H:%M:%S %z"), "host": platform.node(), "cpus": os.cpu_count(),
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg()), "python": platform.python_version()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time Seekline on long broadcasts against ffmpeg and plain aeneas.")
    ap.add_argument("--data", help="shared data folder (default: $SEEKLINE_DATA or <repo>/../shared/data)")
    ap.add_argument("--sizes", default="60,180", help="comma list of broadcast lengths in minutes")
    ap.add_argument("--skip-plain", action="store_true", help="do not run plain aeneas (~2 GB RSS per hour)")
    ap.add_argument("--profile", action="store_true", help="add a Seekline run under cProfile; print its top")
    ap.add_argument("--runs", type=int, default=3,
                    help="rounds of decode then Seekline (the medians count, and the median round's ratio)")
    ap.add_argument("--out", type=Path, default=None, help="where broadcasts are built and cached")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    ap.add_argument("--save", type=Path, default=None, help="also write the figures as JSON to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        child(a.child, a.folder, a.result, a.profile)
        return 0
    data = Path(a.data or os.environ.get("SEEKLINE_DATA") or REPO.parent / "shared" / "data").resolve()
    if not (data / "tools" / "make_broadcast.py").is_file():
        ap.error(f"no make_broadcast.py under {data}: pass --data or set SEEKLINE_DATA")
    out = (a.out or suite.default_out() / "speed").resolve()
    if out == REPO or REPO in out.parents:
        ap.error("--out must be outside the repository (the broadcasts hold TIMIT audio)")
    try:
        sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    except ValueError:
        ap.error("--sizes takes whole minutes, e.g. 60,180")
    if not sizes or min(sizes) <= 0 or a.runs < 1:
        ap.error("--sizes needs positive minutes and --runs at least 1")
    ctx = context()
    results = [run_size(data, out, m, a) for m in sizes]
    ctx["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    doc = {"context": ctx, "sizes": results}
    if a.save:
        a.save.write_text(json.dumps(doc, indent=1))
    if a.json:
        print(json.dumps(doc, indent=1))
    else:
        print(report(results, ctx))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
