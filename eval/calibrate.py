"""`python -m eval.calibrate [--questions PATH] [--only NAME ...] [--rounds N]`

Chooses every threshold of the answering code on the **dev split only** (it refuses to look at
any other), one at a time over a grid of values with the others fixed (coordinate ascent), by
one objective: the mean of the dev figures that measure the answer (attribution, abstention,
key facts, key points, yes/no). It prints each value tried with its figures and the value it
picks; record the picks in rag/config.py with the date. The pipeline loads once; only the
thresholds change between runs.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from eval.dataset import load_questions, select
from eval.metrics import aggregate
from eval.runner import RANKING_DEPTH, run

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"
# threshold (a rag.config.Config field) -> the values tried
GRID = {
    "keyword_weight": (0.0, 0.1, 0.2, 0.3, 0.5, 0.8),
    "passage_weight": (0.0, 0.2, 0.3, 0.5, 0.7),
    "not_said_margin": (0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.15, 0.2),
    "supporting_gap": (0.0, 0.02, 0.04, 0.06, 0.1),
    "reply_weight": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5),
    "adjacent_gap": (-1.0, 0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5),
    "salience_weight": (0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 1.2),
    "title_weight": (0.0, 0.25, 0.5, 1.0, 1.5, 2.0),
    "topic_passages": (5, 10, 15, 20, 30, 50),
    "positions_gap": (0.02, 0.05, 0.08, 0.12),
    "detail_depth": (1, 2, 3, 4, 5),
    "detail_margin": (0.0, 0.005, 0.01, 0.015, 0.02, 0.03, 1.0),
    "summary_part_margin": (-1.0, -0.04, -0.03, -0.02, -0.01, 0.0, 1.0),
    "repeat_margin": (0.0, 0.02, 0.05, 0.1, 0.2, 1.0),
    "min_margin": (-0.1, -0.08, -0.06, -0.04, -0.02, -0.01, 0.0, 0.01, 0.02),
    "no_keyword_margin": (0.0, 0.01, 0.02, 0.03, 0.05),
    "named_speaker_slack": (0.0, 0.01, 0.02, 0.04),
    "strong_keyword": (4.0, 6.0, 8.0, 10.0, 14.0),
}
ANSWER_METRICS = ("attribution_accuracy", "abstention_accuracy", "key_fact_coverage", "key_point_coverage",
                  "yesno_accuracy")


def objective(overall: dict) -> float:
    """The mean of the answer metrics that are defined."""
    values = [overall[m] for m in ANSWER_METRICS if overall.get(m) is not None]
    return sum(values) / len(values) if values else 0.0


def evaluate(pipeline, questions) -> dict:
    rows = run(pipeline, questions, RANKING_DEPTH)
    return aggregate([(r.question, r.scores) for r in rows])["overall"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.calibrate", description=__doc__.split("\n\n")[1])
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    p.add_argument("--only", nargs="+", choices=sorted(GRID), help="calibrate these thresholds only")
    p.add_argument("--rounds", type=int, default=1, help="passes over the thresholds (default 1)")
    args = p.parse_args(argv)
    questions, problems = load_questions(args.questions)
    dev = select(questions, "dev")
    if not dev:
        print(f"calibrate: no dev question in {args.questions}", file=sys.stderr)
        return 2

    from rag.config import from_env
    from rag.pipeline import Pipeline
    config = from_env()
    pipeline = Pipeline(config).warm_up(progress=False)
    names = args.only or list(GRID)
    start = evaluate(pipeline, dev)
    print(f"{len(dev)} dev questions; objective at the current values: {objective(start):.4f}\n")
    for _ in range(args.rounds):
        for name in names:
            print(f"== {name} (now {getattr(config, name)})")
            print(f"{'value':>8}  {'objective':>9}  " + "  ".join(f"{m.split('_')[0][:8]:>8}" for m in ANSWER_METRICS))
            best = (None, -1.0)
            for value in GRID[name]:
                trial = replace(config, **{name: value})
                pipeline.reconfigure(trial)
                overall = evaluate(pipeline, dev)
                score = objective(overall)
                cells = "  ".join(f"{overall[m]:8.3f}" if overall.get(m) is not None else f"{'-':>8}"
                                  for m in ANSWER_METRICS)
                print(f"{value:>8}  {score:9.4f}  {cells}")
                # ties keep the current value, then the smaller one
                if score > best[1] + 1e-9 or (abs(score - best[1]) <= 1e-9 and value == getattr(config, name)):
                    best = (value, score)
            config = replace(config, **{name: best[0]})
            pipeline.reconfigure(config)
            print(f"picked {name} = {best[0]} (objective {best[1]:.4f})\n")
    print("picked: " + ", ".join(f"{n}={getattr(config, n)}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
