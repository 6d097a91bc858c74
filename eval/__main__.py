"""`python -m eval [--questions PATH] [--split dev|test|all] [--json] [--report DIR] [--baseline] [--no-history]`

The default split is dev, the one tuning may look at; the test split is run once when a change
is finished. A question file without splits is run whole.

Runs a question file (../shared/eval-schema.md) through the pipeline in one process (the model
loads once) and prints the metrics; see eval.metrics for what each one means.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from eval.dataset import SPLITS, load_questions, select, split_for
from eval.metrics import aggregate, difference
from eval.runner import RANKING_DEPTH, run_interleaved, stderr_progress

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval", description="Evaluate the Q&A pipeline on a question set.")
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSON Lines question file")
    p.add_argument("--split", choices=SPLITS, default="dev",
                   help="questions of this split only (default: dev, the split for tuning; run test once, when a change is done)")
    p.add_argument("--json", action="store_true", help="print one JSON object of the metrics instead of tables")
    p.add_argument("--report", type=Path, metavar="DIR",
                   help="write results.jsonl, metrics.json, report.md and a chart into DIR")
    p.add_argument("--baseline", action="store_true",
                   help="also run the tutorial baseline (eval.baseline) and show both side by side")
    p.add_argument("--no-history", action="store_true",
                   help="ask every question without its `history` (no follow-up resolution), to see its effect")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.questions.is_file():
        print(f"eval: no question file at {args.questions}", file=sys.stderr)
        return 2
    questions, problems = load_questions(args.questions)
    for p in problems:
        print(f"eval: {args.questions}: {p} (skipped)", file=sys.stderr)
    split = split_for(questions, args.split)
    chosen = select(questions, split)
    if not chosen:
        print(f"eval: no valid question in {args.questions} for split {split!r}", file=sys.stderr)
        return 2
    if args.no_history:
        chosen = [replace(q, history=()) for q in chosen]

    from index.parse import ParseError
    from index.store import IndexProblem
    from rag.config import from_env
    from rag.pipeline import Pipeline
    try:
        config = from_env()
        pipeline = Pipeline(config).warm_up(progress=sys.stderr.isatty())
    except (ParseError, IndexProblem, ValueError) as err:
        print(f"eval: {err}", file=sys.stderr)
        return 2
    baseline = None
    if args.baseline:
        from eval.baseline import Baseline
        baseline = Baseline.from_pipeline(pipeline).warm_up()
    # with the baseline, both answer each question in turn, so their latencies compare
    answerers = [pipeline] + ([baseline] if baseline else [])
    rows, *others = run_interleaved(answerers, chosen, RANKING_DEPTH, stderr_progress("questions"))
    report = {
        "questions": str(args.questions), "split": split, "evaluated": len(rows),
        "skipped_lines": [{"line": p.line, "message": p.message} for p in problems],
        "model": config.model, "top_k": RANKING_DEPTH,
        "metrics": aggregate([(r.question, r.scores) for r in rows]),
    }
    if args.no_history:
        report["no_history"] = True
    baseline_rows = others[0] if others else None
    if baseline_rows is not None:
        report["baseline"] = {"name": baseline.name,
                              "metrics": aggregate([(r.question, r.scores) for r in baseline_rows])}
        report["difference"] = difference(report["metrics"]["overall"], report["baseline"]["metrics"]["overall"])

    if args.report:
        from eval.report import write_report
        write_report(args.report, report, rows, baseline_rows)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        from eval.report import render_tables
        print(f"{len(rows)} questions from {args.questions} (split {split}), "
              f"{len(problems)} lines skipped; model {config.model}"
              + ("; asked without history (no follow-up resolution)" if args.no_history else ""))
        print()
        print(render_tables(report))
        if args.report:
            print(f"\nreport written to {args.report}/report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
