"""`python -m eval.stores [--store qdrant:PATH|URL] [--questions PATH] [--json]`: the FAISS folder
and Qdrant, compared on the same corpus, model and questions.

Both stores are built from scratch with the same loaded model: the FAISS folder in a temporary
home, Qdrant in local mode in that home too (or at --store, e.g. a server). Then, for every
question of the set (all splits: this is retrieval equivalence, not tuning), one pipeline on
each store answers with the eval's ranking depth, interleaved question by question, and the
top passages (chunk ids, in order) and whole answers are compared. Also measured: build and load
time of each store, and the latency of one dense search (the query vector given) and of a
whole answer.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from eval.bench import machine
from eval.dataset import Question, load_questions
from eval.metrics import percentile
from eval.runner import RANKING_DEPTH

DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"


@dataclass(frozen=True)
class Difference:
    id: str
    faiss: tuple[str, ...]      # chunk ids of the top passages, in order
    qdrant: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    questions: int
    same_passages: int          # questions whose top passages are identical, in order
    same_answers: int           # ... whose answers are identical but for the hits' dense similarities
    differences: tuple[Difference, ...]
    different_answers: tuple[str, ...]  # ids of the questions answered differently
    dense_gap: float            # the largest difference of a hit's dense similarity between the stores
    answer_ms: dict             # store -> [p50, p95] of a whole answer
    search_ms: dict             # store -> [p50, p95] of one dense search, top RANKING_DEPTH


def pipeline_on(home: Path, store: str, embedder=None):
    """A pipeline with its index in `store` under `home` (the model from `embedder`, if given)."""
    from rag.config import from_env
    from rag.pipeline import Pipeline
    pipeline = Pipeline(from_env(home=home, store=store))
    if embedder is not None:
        pipeline.embedder = embedder  # one model in memory for both stores
    return pipeline


def compare(pipelines: dict, questions: list[Question], k: int = RANKING_DEPTH,
            time_search: bool = True) -> Comparison:
    """Ask each question of every pipeline ({store name: warm pipeline}) in turn and compare
    what the first and the second give; with `time_search`, also time one dense search of each
    store for the question's vector (embedded once, by the first pipeline's model)."""
    (a, first), (b, _) = pipelines.items()
    same_passages = 0
    differences, different_answers = [], []
    answer_ms = {a: [], b: []}
    search_ms = {a: [], b: []}
    dense_gap = 0.0
    for q in questions:
        got = {}
        vector = np.asarray(first.embedder.embed_queries([q.question]), dtype=np.float32) if time_search else None
        for name, pipeline in pipelines.items():
            t0 = time.perf_counter()
            got[name] = pipeline.answer(q.question, list(q.history), top_k=k)
            answer_ms[name].append((time.perf_counter() - t0) * 1000)
            if time_search:
                t0 = time.perf_counter()
                pipeline.index.vectors.search(vector, k)
                search_ms[name].append((time.perf_counter() - t0) * 1000)
        ids = {name: tuple(h.chunk.chunk_id for h in answer.hits) for name, answer in got.items()}
        if ids[a] == ids[b]:
            same_passages += 1
            dense_gap = max([dense_gap] + [abs(x.dense - y.dense) for x, y in zip(got[a].hits, got[b].hits)])
        else:
            differences.append(Difference(q.id, ids[a], ids[b]))
        if _comparable(got[a]) != _comparable(got[b]):
            different_answers.append(q.id)
    return Comparison(len(questions), same_passages, len(questions) - len(different_answers),
                      tuple(differences), tuple(different_answers), dense_gap,
                      {n: [percentile(v, 50), percentile(v, 95)] for n, v in answer_ms.items()},
                      {n: [percentile(v, 50), percentile(v, 95)] for n, v in search_ms.items() if v})


def _comparable(answer) -> dict:
    """What `rag ask --json` prints, but the timings and the hits' dense similarities: FAISS and
    Qdrant add up a dot product's terms in different orders, so the last bits of a float32
    similarity may differ (and, rarely, its 4th decimal as printed); the ranks do not."""
    obj = answer.to_json()
    obj.pop("timings_ms")
    for hit in obj["hits"]:
        hit.pop("dense")
    return obj


def measure(questions_path: Path, store: str | None = None) -> dict:
    from index.chunk import ChunkSettings
    from index.location import parse_store
    from index.store import build_index, ensure_index
    from rag.config import from_env

    questions, problems = load_questions(questions_path)
    if not questions:
        raise ValueError(f"no valid question in {questions_path}")
    config = from_env()
    out = {"machine": machine(), "questions_file": str(questions_path),
           "skipped_lines": len(problems)}
    with tempfile.TemporaryDirectory(prefix="eval-stores-") as tmp:
        home = Path(tmp)
        (home / "models").symlink_to(config.models_dir.resolve(), target_is_directory=True)
        stores = {"faiss": "faiss", "qdrant": store or "qdrant:qdrant"}
        first = pipeline_on(home, stores["faiss"])
        embedder = first.embedder
        embedder.embed_documents(["warm up"])  # the model loads outside the timings
        from index.corpus import Corpus
        corpus = Corpus.load(config.corpus_dir)
        settings = ChunkSettings(config.chunk_size, config.chunk_overlap)
        build_s, load_s = {}, {}
        for name, value in stores.items():
            location = parse_store(value, home, config.qdrant_api_key)
            t0 = time.perf_counter()
            build_index(corpus, embedder, settings, home / "index", progress=False, store=location)
            build_s[name] = time.perf_counter() - t0
            if location.in_qdrant:  # a fresh client: the load includes opening the store
                from index.qdrant_store import release
                release(location)
            t0 = time.perf_counter()
            index = ensure_index(corpus, embedder, settings, home / "index", progress=False, store=location)
            load_s[name] = time.perf_counter() - t0
            out.setdefault("chunks", index.manifest["chunk_count"])
        pipelines = {name: pipeline_on(home, value, embedder).warm_up(progress=False)
                     for name, value in stores.items()}
        result = compare(pipelines, questions)
    out.update(store=stores["qdrant"], build_s=build_s, load_s=load_s, **asdict(result))
    return out


def report(m: dict) -> str:
    def both(form: str, values: dict) -> str:
        return "".join(f"{form.format(*np.atleast_1d(values[n])):>16}" for n in ("faiss", "qdrant"))

    lines = [f"{m['questions']} questions ({m['questions_file']}), {m['chunks']} chunks; "
             f"Qdrant: {m['store']}; {m['machine']['date']}, load average {m['machine']['load_average']}",
             "",
             f"{'measure':<44}{'FAISS':>16}{'Qdrant':>16}",
             f"{'-' * 44}{'-' * 16:>16}{'-' * 16:>16}",
             f"{'build (model loaded)':<44}" + both("{:.1f} s", m["build_s"]),
             f"{'load (manifest and chunks checked)':<44}" + both("{:.2f} s", m["load_s"]),
             f"{f'dense search, top {RANKING_DEPTH}, p50 / p95':<44}" + both("{:.2f} / {:.2f} ms", m["search_ms"]),
             f"{'whole answer p50 / p95':<44}" + both("{:.0f} / {:.0f} ms", m["answer_ms"]),
             "",
             f"identical top-{RANKING_DEPTH} passages (chunk ids, in order): {m['same_passages']} of {m['questions']}",
             f"identical answers (text, speakers, citations, hits but their dense similarity): "
             f"{m['same_answers']} of {m['questions']}"
             + (f" (not: {', '.join(m['different_answers'])})" if m["different_answers"] else ""),
             f"largest difference of a hit's dense similarity: {m['dense_gap']:.2g}"]
    for d in m["differences"][:10]:
        lines += [f"  {d['id']}: FAISS  {' '.join(d['faiss'])}", f"  {d['id']}: Qdrant {' '.join(d['qdrant'])}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.stores", description=__doc__.split("\n\n")[0])
    p.add_argument("--store", help="the Qdrant store to compare (default: local mode in a temporary folder)")
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    p.add_argument("--json", action="store_true", help="print the measurements as one JSON object")
    args = p.parse_args(argv)
    from index.store import IndexProblem
    try:
        if args.store:
            from index.location import parse_store
            if not parse_store(args.store, Path(".")).in_qdrant:
                raise ValueError(f"--store must name a Qdrant store, got {args.store!r}")
        m = measure(args.questions, args.store)
    except (ValueError, OSError, IndexProblem) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(m, ensure_ascii=False, indent=2) if args.json else report(m))
    return 0 if m["same_passages"] == m["questions"] else 1


if __name__ == "__main__":
    sys.exit(main())
