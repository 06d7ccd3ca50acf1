"""Accuracy bench: align the fixed dev suite and print how far the sync maps are from the truth.

    .venv/bin/python bench/accuracy.py [--data ../shared/data] [--suite dev|heldout] [--cases clean1,story]
                                       [--long] [--level word] [--master podcast] [--cut 0.02] [--json]

Cases are built once with the shared data's make_broadcast.py into --out (default: $SEEKLINE_BENCH_DIR or
<tmp>/seekline-bench, never inside the repository) and reused. The bench prints figures; it passes no
judgement. ``--suite heldout`` runs the same recipes with speakers and seeds the aligner was never tuned on
(FLEURS and LibriSpeech clips with the public-domain ones). ``--aligner truth`` scores the truth against itself
(every error 0) to check the scorer. ``--master`` aligns each case's audio as a station would publish it
(``suite.MASTERS``: an MP3, a compressed and loudness-normalised podcast, FM processing) against the same truth.
``--cut`` aligns each case's audio with its first moments cut off (``suite.cut``): another draw of the same show.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(REPO))

from bench import scoring, suite  # noqa: E402

Aligner = Callable[[suite.Built], dict[str, Any]]


def data_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("SEEKLINE_DATA") or REPO.parent / "shared" / "data").resolve()


def pipeline_aligner(level: str = "sentence") -> Aligner:
    """Seekline's own pipeline: ``align(audio, load_transcript(path), level=level)``."""
    from aligner import pipeline

    try:
        from aligner.transcript import load_transcript
    except ImportError:  # the parser may live in the transcripts package
        from aligner.transcripts import load_transcript  # type: ignore[no-redef]

    def run(built: suite.Built) -> dict[str, Any]:
        return pipeline.align(built.audio, load_transcript(built.transcript), level=level).to_dict()

    return run


def truth_aligner(built: suite.Built) -> dict[str, Any]:
    return scoring.truth_syncmap(built.truth)


def _f(v: float | None, spec: str = ".0f") -> str:
    return "-" if v is None else format(v, spec)


def _pc(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.0f}%"


def stats_table(title: str, rows: Sequence[tuple[str, scoring.Stats]]) -> list[str]:
    head = f"{title:<12}{'n':>5}{'miss':>5}{'med ms':>8}{'p95 ms':>8}{'max ms':>9}{'<=100':>7}{'<=250':>7}" \
           f"{'<=1s':>7}{'mean+-':>8}"
    out = [head, "-" * len(head)]
    for name, s in rows:
        out.append(f"{name:<12}{s.n:>5}{s.missing:>5}{_f(s.median_ms):>8}{_f(s.p95_ms):>8}{_f(s.max_ms):>9}"
                   f"{_pc(s.within_100):>7}{_pc(s.within_250):>7}{_pc(s.within_1000):>7}"
                   f"{_f(s.mean_signed_ms, '+.0f'):>8}")
    return out + [""]


def report(results: list[dict[str, Any]], overall: scoring.Score, by_truth: dict[str, scoring.Stats],
           word_stats: scoring.Stats | None = None) -> str:
    scored = [(r["case"], r["score"]) for r in results if r.get("score")] + [("OVERALL", overall)]
    head = f"{'case':<12}{'audio s':>9}{'align s':>9}{'RTF':>7}{'turns':>8}{'matched':>9}{'spk!=':>6}  about"
    lines = [head, "-" * 90]
    for r in results:
        if "error" in r:
            lines.append(f"{r['case']:<12}{_f(r.get('duration'), '.1f'):>9}  ERROR {r['error']}")
            continue
        s: scoring.Score = r["score"]
        rtf = r["align_s"] / r["duration"]
        lines.append(f"{r['case']:<12}{r['duration']:>9.1f}{r['align_s']:>9.1f}{rtf:>7.3f}"
                     f"{s.truth_turns:>8}{s.matched:>9}{s.speaker_mismatch:>6}  {r['about']}")
    lines.append("")
    lines += stats_table("turn start", [(n, s.starts) for n, s in scored])
    lines += stats_table("by truth", list(by_truth.items()))[:-1]
    lines += ["(all turn starts, by how the truth timed the turn's first clip: 'label' = hand labels, 'energy' =",
              " make_broadcast.py's estimate, the first 10 ms within 35 dB of the clip's loudest)", ""]
    lines += stats_table("turn end", [(n, s.ends) for n, s in scored])
    lines += stats_table("sentence", [(n, s.sentences) for n, s in scored])[:-1]
    paired = f"{overall.sentences.n} of {overall.sentences_total}"
    lines += [f"(utterances paired with a sentence of their own: {paired})", ""]
    if word_stats is not None:
        lines += stats_table("word", [("TIMIT words", word_stats)])[:-1]
        lines += ["(start errors of TIMIT's hand-labelled words, joined to aligned words by their text)", ""]
    head = f"{'flags':<12}{'wrong':>7}{'flagged':>9}{'recall':>8}{'absent':>8}{'flagged':>9}{'not_in':>8}" \
           f"{'placed':>8}{'right':>7}{'flagged':>9}{'false':>7}"
    lines += [head, "-" * len(head)]
    for n, s in scored:
        f = s.flags
        lines.append(f"{n:<12}{f.wrong:>7}{f.wrong_flagged:>9}{_pc(f.recall):>8}{f.absent:>8}{f.absent_flagged:>9}"
                     f"{f.absent_not_in_audio:>8}{f.absent_placed:>8}{f.right:>7}{f.right_flagged:>9}"
                     f"{_pc(f.false_flag_rate):>7}")
    head = f"{'lines':<12}{'cut':>7}{'not_in':>8}{'aired':>8}{'not_in':>8}"
    lines += ["", head, "-" * len(head)]
    for n, s in scored:
        f = s.flags
        if f.lines_cut or n == "OVERALL":
            lines.append(f"{n:<12}{f.lines_cut:>7}{f.lines_cut_marked:>8}{f.lines_aired:>8}{f.lines_aired_marked:>8}")
    head = f"{'breaks':<12}{'ads':>7}{'found':>8}{'false':>8}"
    lines += ["", head, "-" * len(head)]
    for r in results:
        b = r.get("breaks")
        if b and (b["ads"] or b["false"]):
            lines.append(f"{r['case']:<12}{b['ads']:>7}{b['found']:>8}{b['false']:>8}")
    total = {k: sum(r.get("breaks", {}).get(k, 0) for r in results) for k in ("ads", "found", "false")}
    lines.append(f"{'OVERALL':<12}{total['ads']:>7}{total['found']:>8}{total['false']:>8}")
    doubt = ", ".join(sorted(scoring.DOUBT_FLAGS))
    lines += ["", "Errors are aligner minus truth (speech_start/speech_end): + is late.",
              f"'flagged' = carries one of: {doubt}.",
              "'wrong' = never aired or >1 s off; 'placed' = never-aired turns given a non-zero span;",
              "lines: 'cut' = invented lines in aired turns, 'aired' = the other sentences, 'not_in' = so marked;",
              "breaks: 'ads' = speech the transcript does not have, 'found' = at least half covered by an",
              "'untranscribed' segment, 'false' = such segments mostly outside every ad;",
              "'miss' = no time given. Sentences: utterances that share a parsed sentence are not scored."]
    return "\n".join(lines)


def run_case(built: suite.Built, align: Aligner, out: Path) -> tuple[dict[str, Any], list[scoring.TurnPair]]:
    """Align one case and score it; its sync map is written to ``out``."""
    t0 = time.perf_counter()
    syncmap = align(built)
    align_s = time.perf_counter() - t0
    out.write_text(json.dumps(syncmap, indent=1))
    pairs = scoring.match_turns(syncmap, built.truth)
    sc = scoring.score_pairs(pairs, len(scoring.turn_segments(syncmap)))
    return dict(case=built.case.name, about=built.case.about, duration=built.duration, align_s=align_s,
                score=sc, breaks=scoring.breaks(syncmap, built.truth)), pairs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Score Seekline's aligner on the fixed dev suite.")
    ap.add_argument("--data", help="shared data folder (default: $SEEKLINE_DATA or <repo>/../shared/data)")
    ap.add_argument("--suite", choices=sorted(suite.SUITES), default="dev",
                    help="dev: the suite the aligner is tuned on; heldout: other speakers and seeds")
    ap.add_argument("--cases", default="",
                    help="comma list of cases (default: all but the long ones)")
    ap.add_argument("--long", action="store_true", help="also run the 45-minute shows")
    ap.add_argument("--out", type=Path, default=None, help="where cases are built and cached")
    ap.add_argument("--aligner", choices=("pipeline", "truth"), default="pipeline")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of tables")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--level", choices=("sentence", "word"), default="sentence",
                    help="word: also time words and score them against TIMIT's word labels")
    ap.add_argument("--master", choices=sorted(suite.MASTERS),
                    help="align the audio as mastered and published so (see suite.MASTERS)")
    ap.add_argument("--cut", type=float, default=0.0, metavar="SECONDS",
                    help="cut this much off the start of each case's audio, its truth moved with it: another draw "
                         "of the aligner's 40 ms frame grid (0.02: half a frame)")
    a = ap.parse_args(argv)
    suite_cases = suite.SUITES[a.suite]
    if a.list:
        for c in suite_cases:
            print(f"{c.name:<12} seed {c.seed:<5} {c.about}")
        return 0
    data = data_dir(a.data)
    if not (data / "tools" / "make_broadcast.py").is_file():
        ap.error(f"no make_broadcast.py under {data}: pass --data or set SEEKLINE_DATA")
    out = (a.out or suite.default_out()).resolve()
    if out == REPO or REPO in out.parents:
        ap.error("--out must be outside the repository (the suite holds TIMIT audio)")
    wanted = [c for c in a.cases.split(",") if c]
    unknown = set(wanted) - {c.name for c in suite_cases}
    if unknown:
        ap.error(f"unknown case(s) {', '.join(sorted(unknown))}; see --list")
    cases = [c for c in suite_cases if (c.name in wanted if wanted else a.long or not c.long)]
    align = pipeline_aligner(a.level) if a.aligner == "pipeline" else truth_aligner

    results, pooled, seg_turns = [], [], 0
    for case in cases:
        t0 = time.perf_counter()
        built = suite.ensure(case, data, out)
        if a.master:
            built = suite.mastered(built, a.master)
        if a.cut:
            built = suite.cut(built, a.cut)
        print(f"[{case.name}] built in {time.perf_counter() - t0:.1f} s: {built.audio}", file=sys.stderr)
        tags = [t for t in (a.master, f"cut{round(a.cut * 1000)}ms" if a.cut else None) if t]
        syncmap = built.audio.parent / ("-".join(["syncmap", *tags]) + ".json")
        try:
            r, pairs = run_case(built, align, syncmap)
        except Exception as e:  # noqa: BLE001 - a failing case is a figure too; keep going
            results.append(dict(case=case.name, about=case.about, duration=built.duration,
                                error=f"{type(e).__name__}: {e}"))
            continue
        print(f"[{case.name}] aligned in {r['align_s']:.1f} s", file=sys.stderr)
        results.append(r)
        pooled += pairs
        seg_turns += r["score"].seg_turns
    overall = scoring.score_pairs(pooled, seg_turns)
    word_stats = scoring.stats(scoring.word_errors(pooled, data)) if a.level == "word" else None
    by_truth = scoring.starts_by_truth(pooled)
    if a.json:
        doc = {"aligner": a.aligner, "cases": [{**r, "score": r["score"].to_dict()} if "score" in r else r
                                               for r in results], "overall": overall.to_dict(),
               "turn_start_by_truth": {k: v.to_dict() for k, v in by_truth.items()}}
        if word_stats is not None:
            doc["word_start"] = word_stats.to_dict()
        print(json.dumps(doc, indent=1))
    else:
        print(report(results, overall, by_truth, word_stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
