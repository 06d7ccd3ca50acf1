"""Cut-lines bench: invented lines put at random into real turns of the dev shows, as a web transcript keeps
lines the broadcast cut. It prints how many of them come out ``not_in_audio``, how many real lines are marked
so, and how many turns start more than 1 s off.

    .venv/bin/python bench/cut_lines.py [--seeds 1,2,3,4] [--cases clean1,clean2,...] [--suite dev|heldout] [--turns]

Each seed puts 3 of the lines below into 3 turns of each case (never the first or last turn), each at a random
place among the turn's utterances. With ``--turns`` it puts 2 invented whole turns between real ones instead
(never first), and counts those marked, and the real turns flagged. The audio and the truth are the suite's,
built as accuracy.py builds them.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import scoring, suite  # noqa: E402
from bench.accuracy import data_dir  # noqa: E402

LINES = [
    "The mayor's office said the new rules would take effect at the start of next month.",
    "Officials expect the bridge repairs to last well into the spring, weather permitting.",
    "You can find a full list of the closures on our website along with a map of detours.",
    "Several residents told us they had never seen the river rise so quickly in their lives.",
    "The company plans to hire about two hundred workers over the next eighteen months.",
    "Tickets for the concert go on sale Friday morning at the box office and online.",
]
TURNS = [
    "And now a look at the weather for the weekend, with sunshine expected across most of the region.",
    "We reached the minister's office this afternoon, but a spokesperson declined to comment on the report.",
    "Stay with us, because after the news we will hear from listeners who called in about the new bus routes.",
    "That interview was recorded earlier today, and a longer version is on our podcast feed from tonight.",
    "Before we move on, we want to thank everyone who wrote to us about last week's story on the shipyard.",
    "The festival organisers say more than forty thousand people are expected over the three days.",
]
CASES = "clean1,clean2,clean3,bed,noise15,mp3_48k,story"


def with_cut_lines(truth: dict, seed: int, name: str) -> tuple[str, dict]:
    """The case's transcript with 3 invented lines in it, and its truth with each listed as ``cut_lines``."""
    rng = random.Random(seed * 1000 + zlib.crc32(name.encode()) % 1000)
    turns = [dict(t) for t in truth["turns"]]
    picks = rng.sample(range(1, len(turns) - 1), 3)
    lines = rng.sample(LINES, 3)
    out = []
    for k, t in enumerate(turns):
        utts = [suite.as_sentence(u["text"]) for u in t["utterances"]]
        if k in picks:
            utts.insert(rng.randint(0, len(utts)), lines[picks.index(k)])
            t["cut_lines"] = [lines[picks.index(k)]]
        out.append(f"{t['speaker']}: {' '.join(utts)}")
    return "\n\n".join(out) + "\n", {**truth, "turns": turns}


def with_cut_turns(truth: dict, seed: int, name: str) -> tuple[str, dict]:
    """The case's transcript with 2 invented turns in it, and its truth with them (``in_audio: false``)."""
    rng = random.Random(seed * 1000 + zlib.crc32(name.encode()) % 1000)
    turns = [dict(t) for t in truth["turns"]]
    suite.invent(turns, sorted(rng.sample(range(1, len(turns)), 2), reverse=True), rng.sample(TURNS, 2))
    return "".join(f"{t['speaker']}: {t['text']}\n\n" for t in turns), {**truth, "turns": turns}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Invented lines in real turns: are they found, and is nothing else?")
    ap.add_argument("--data", help="shared data folder (default: $SEEKLINE_DATA or <repo>/../shared/data)")
    ap.add_argument("--suite", choices=sorted(suite.SUITES), default="dev")
    ap.add_argument("--cases", default=CASES, help=f"comma list (default: {CASES}; held-out names start h-)")
    ap.add_argument("--seeds", default="1,2,3,4")
    ap.add_argument("--turns", action="store_true", help="invented whole turns instead of lines")
    a = ap.parse_args(argv)
    from aligner import pipeline
    from aligner.transcript import load_transcript

    data, out = data_dir(a.data), suite.default_out()
    cases = {c.name: c for c in suite.SUITES[a.suite]}
    if a.turns:
        invented, columns = with_cut_turns, ("cut", "found", "flagged", "real", "marked", ">1 s", "flagged")
    else:
        invented, columns = with_cut_lines, ("cut", "found", "real", "marked", ">1 s")
    totals = [0] * len(columns)
    print(f"{'case':<12}{'seed':>5}" + "".join(f"{c:>8}" for c in columns))
    for name in a.cases.split(","):
        built = suite.ensure(cases[name], data, out)
        for seed in (int(s) for s in a.seeds.split(",")):
            text, truth = invented(built.truth, seed, name)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "transcript.txt"
                path.write_text(text)
                syncmap = pipeline.align(built.audio, load_transcript(path)).to_dict()
            f = scoring.score(syncmap, truth).flags
            if a.turns:
                row = [f.absent, f.absent_not_in_audio, f.absent_flagged, f.right, f.right_flagged,
                       f.wrong - f.absent, f.wrong_flagged - f.absent_flagged]
            else:
                row = [f.lines_cut, f.lines_cut_marked, f.lines_aired, f.lines_aired_marked, f.wrong]
            totals = [t + r for t, r in zip(totals, row, strict=True)]
            print(f"{name:<12}{seed:>5}" + "".join(f"{v:>8}" for v in row), flush=True)
    print(f"{'ALL':<12}{'':>5}" + "".join(f"{v:>8}" for v in totals))
    if a.turns:
        print("\ncut = invented turns; found = of them marked not_in_audio; flagged = of them with any doubt flag; "
              "real = the aired turns within 1 s of the truth; marked = of them flagged; >1 s = aired turns starting "
              "more than 1 s from the truth (or not at all), and of them flagged.")
    else:
        print("\ncut = invented lines; found = of them marked not_in_audio; real = the other sentences; marked = of "
              "them marked not_in_audio; >1 s = aired turns starting more than 1 s from the truth (or not at all).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
