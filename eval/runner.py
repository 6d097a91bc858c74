"""Ask every question of a set, time each answer, score it.

Works with anything that answers like `rag.pipeline.Pipeline`: `answer(question, history,
top_k=...)` returning an object with `to_json()` in the shape `rag ask --json` prints.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from eval.dataset import Question
from eval.metrics import Result, Scores, repeats, score

RANKING_DEPTH = 10  # hits asked for, so that MRR@10 can be computed


@dataclass(frozen=True)
class Row:
    question: Question
    answer: dict      # Answer.to_json(), or {"error": ...} when answering raised
    result: Result
    scores: Scores


def run(answerer, questions: list[Question], top_k: int = RANKING_DEPTH,
        progress: Callable[[int, int, Question], None] | None = None) -> list[Row]:
    """One row per question, in order. An exception while answering one question is recorded
    in its row (and scored as an empty, non-abstaining answer); the others still run."""
    return run_interleaved([answerer], questions, top_k, progress)[0]


def run_interleaved(answerers: list, questions: list[Question], top_k: int = RANKING_DEPTH,
                    progress: Callable[[int, int, Question], None] | None = None) -> list[list[Row]]:
    """Rows per answerer, asking each question of every answerer in turn before the next
    question, so that a machine busy for a while slows them alike and latencies compare."""
    rows: list[list[Row]] = [[] for _ in answerers]
    for i, q in enumerate(questions, start=1):
        if progress:
            progress(i, len(questions), q)
        for answerer, out in zip(answerers, rows):
            out.append(_ask(answerer, q, top_k))
    return [with_repeats(out) for out in rows]


def with_repeats(rows: list[Row]) -> list[Row]:
    """The rows with each follow-up turn's `repeated` score, read from its earlier turns' rows."""
    marks = repeats([(r.question, r.result) for r in rows])
    return [replace(r, scores=replace(r.scores, repeated=m)) for r, m in zip(rows, marks)]


def _ask(answerer, q: Question, top_k: int) -> Row:
    t0 = time.perf_counter()
    try:
        obj = answerer.answer(q.question, list(q.history), top_k=top_k).to_json()
    except Exception as err:  # one broken question must not stop the evaluation
        obj = {"error": f"{type(err).__name__}: {err}"}
        print(f"eval: {q.id} (line {q.line}): answering failed: {obj['error']}", file=sys.stderr)
    elapsed_ms = (time.perf_counter() - t0) * 1000
    result = Result.from_json(q.id, obj, elapsed_ms)
    return Row(q, obj, result, score(q, result))


def stderr_progress(label: str) -> Callable[[int, int, Question], None] | None:
    """A one-line progress counter on an interactive stderr; None otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(i: int, n: int, q: Question) -> None:
        end = "\n" if i == n else ""
        print(f"\r{label}: {i}/{n} {q.id:<12}", end=end, file=sys.stderr, flush=True)

    return show
