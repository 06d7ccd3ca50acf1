"""Seeds bench: one recipe built at many seeds, with the dev and the held-out speakers, aligned and scored. The
suite's cases each hold one seed, which says little where a few turns decide (sentences left out, ads, tiny shows);
this counts, over many shows, the turns that start more than 0.5 s off, those of them unflagged, and the right
turns flagged.

    .venv/bin/python bench/seeds.py --recipe left-out [--seeds 501-514] [--suite dev|heldout|both] [--jobs 2]
                                    [--json OUT]

The shows are built into the suite's cache (``$SEEKLINE_BENCH_DIR``) as ``accuracy.py`` builds its cases.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import scoring, suite  # noqa: E402
from bench.accuracy import data_dir, pipeline_aligner  # noqa: E402

OFF_S = 0.5  # a turn whose start is further off than this counts as off (a listener hears the wrong words)


@dataclass(frozen=True, slots=True)
class Recipe:
    build: Callable[[Path, Path, suite.Case], None]  # as suite.Case.build
    seeds: str
    about: str


RECIPES = {
    "left-out": Recipe(functools.partial(suite.build_left_out, count=5, longest=9.0), "501-514",
                       "five turns each lose their last sentence (up to 9 s) from the transcript"),
    "ads": Recipe(functools.partial(suite.build_promos, count=2, seconds=(10.0, 30.0)), "701-706",
                  "two stretches of 10-30 s of other people's speech (ads) before turns"),
    "tiny": Recipe(suite.build_tiny, "600-611", "a 4-turn show with one 6-12 s stretch of other speech inside"),
    "tiny-story": Recipe(functools.partial(suite.build_tiny, story=True), "600-611",
                         "a 4-turn show between two other shows as long as it"),
}
SUITES = {"dev": ("", suite.DEV_MANIFESTS), "heldout": ("h-", suite.HELDOUT_MANIFESTS)}


def seed_list(text: str) -> list[int]:
    """``"501-503,510"`` as ``[501, 502, 503, 510]``."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


def run_show(recipe: str, seed: int, which: str, data: Path, out: Path) -> dict[str, Any]:
    """Build one show, align it, and score its turns: its name, and each turn's start error and flags."""
    prefix, manifests = SUITES[which]
    case = suite.Case(f"{prefix}{recipe}", seed, RECIPES[recipe].build, manifests=manifests)
    built = suite.ensure(case, data, out)
    syncmap = pipeline_aligner()(built)
    turns = [dict(turn=p.truth.get("turn"), start_error=p.start_error, flagged=p.flagged,
                  flags=list(p.seg.get("flags", ())) if p.seg else [])
             for p in scoring.match_turns(syncmap, built.truth)]
    return dict(show=f"{case.name}-s{seed}", suite=which, turns=turns)


def off(turn: dict[str, Any]) -> bool:
    return turn["start_error"] is None or abs(turn["start_error"]) > OFF_S


def _error(seconds: float | None) -> str:
    return "not placed" if seconds is None else f"{seconds:+.1f} s"


def summary(shows: list[dict[str, Any]]) -> str:
    turns = [t for s in shows for t in s["turns"]]
    wrong = [t for t in turns if off(t)]
    return (f"{len(shows)} shows, {len(turns)} turns: {len(wrong)} start more than {OFF_S} s off "
            f"({sum(not t['flagged'] for t in wrong)} unflagged); "
            f"{sum(t['flagged'] for t in turns if not off(t))} of {len(turns) - len(wrong)} right turns flagged")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Score Seekline's aligner on one recipe built at many seeds.")
    ap.add_argument("--recipe", choices=sorted(RECIPES), required=True)
    ap.add_argument("--seeds", help="e.g. 501-514 or 600,602 (default: the recipe's)")
    ap.add_argument("--suite", choices=(*SUITES, "both"), default="both", help="whose speakers (default: both)")
    ap.add_argument("--jobs", type=int, default=2, help="shows aligned at once (default: 2)")
    ap.add_argument("--data", help="shared data folder (default: $SEEKLINE_DATA or <repo>/../shared/data)")
    ap.add_argument("--json", type=Path, help="also write each show's turns to this file")
    a = ap.parse_args(argv)
    data = data_dir(a.data)
    if not (data / "tools" / "make_broadcast.py").is_file():
        ap.error(f"no make_broadcast.py under {data}: pass --data or set SEEKLINE_DATA")
    seeds = seed_list(a.seeds or RECIPES[a.recipe].seeds)
    which = list(SUITES) if a.suite == "both" else [a.suite]
    jobs = [(a.recipe, seed, w, data, suite.default_out()) for w in which for seed in seeds]
    print(f"{a.recipe}: {RECIPES[a.recipe].about}; seeds {seeds[0]}-{seeds[-1]}", flush=True)
    with ProcessPoolExecutor(max(1, a.jobs), mp_context=multiprocessing.get_context("spawn")) as pool:
        shows = list(pool.map(run_show, *zip(*jobs, strict=True)))
    for show in shows:
        bad = [f"t{t['turn']} {_error(t['start_error'])}{'' if t['flagged'] else ' (unflagged)'}"
               for t in show["turns"] if off(t)]
        print(f"  {show['show']:<18} {len(show['turns']):>3} turns  {', '.join(bad) or 'all within 0.5 s'}")
    for w in which:
        print(f"{w:<8} {summary([s for s in shows if s['suite'] == w])}")
    if a.json:
        a.json.write_text(json.dumps(shows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
