"""`python -m eval.qmsum PATH_TO_QMSUM [--split val] [--home DIR] [--limit N] [--per-domain N] [--json FILE]`

Retrieval over meetings, measured on QMSum (Yale-LILY/QMSum, MIT licence): the split's
meetings are imported as one corpus (each meeting a document, through the same importer as
`rag import`), every specific query is asked of its meeting (`docs=[meeting]`), and a returned
passage counts when it overlaps the query's relevant turns. Reported per domain (product =
AMI ES/IS/TS, academic = ICSI B*, committee = the rest), project vs the tutorial baseline
(eval.baseline, restricted to the same meeting):
- recall@1, recall@5: a relevant passage among the first 1 / 5; MRR@10;
- participant: for queries naming one participant of the meeting ("What did Marketing think
  of …"), whether the answer's first speaker is that participant.
Develop on train and val; the test split is reported once, never tuned on.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from index.importers import read_cues
from index.ingest import import_document, render, write_aside

SPLITS = ("train", "val", "test")
DOMAINS = ("product", "academic", "committee")
DEPTH = 10


@dataclass(frozen=True)
class Meeting:
    doc_id: str
    domain: str
    turn_spans: tuple[tuple[int, int] | None, ...]   # QMSum turn index -> (start, end) in the document
    queries: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]   # (query, relevant turn ranges)


@dataclass(frozen=True)
class Outcome:
    domain: str
    rank: int | None             # 1-based rank of the first relevant passage within DEPTH
    participant: str | None      # the one participant the query names, if any
    first_speaker: str | None
    doc_id: str = ""
    query: str = ""
    top: tuple[str, ...] = ()    # the first passages returned, "speaker: text" (for --details)


def domain_of(doc_id: str) -> str:
    if doc_id[:2] in ("ES", "IS", "TS"):
        return "product"
    return "academic" if doc_id.startswith("B") else "committee"


def meeting_files(path: Path, split: str) -> list[Path]:
    """The split's meeting files under a QMSum checkout (or its data/ALL, or the split folder)."""
    for folder in (path / "data" / "ALL" / split, path / "ALL" / split, path / split, path):
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        if files:
            return files
    raise FileNotFoundError(f"{path}: no QMSum meetings for split {split!r} (expected data/ALL/{split}/*.json)")


def import_meetings(files: list[Path], corpus_dir: Path) -> list[Meeting]:
    """Write each meeting into a fresh corpus folder; where each QMSum turn landed."""
    if corpus_dir.exists():
        shutil.rmtree(corpus_dir)
    corpus_dir.mkdir(parents=True)
    (corpus_dir / "speakers.json").write_text(
        json.dumps({"speakers": [{"name": "编者", "en": "the document", "editor": True}]}) + "\n",
        encoding="utf-8")
    meetings = []
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        cues = read_cues(f, "json")
        doc_id = f.stem
        import_document(cues, corpus_dir, doc_id, doc_id, "en", source=str(f), fmt="json")
        spans = render(doc_id, cues, "en").cue_spans
        kept = [i for i, t in enumerate(data["meeting_transcripts"]) if " ".join(t["content"].split())]
        turn_spans: list = [None] * len(data["meeting_transcripts"])
        for i, span in zip(kept, spans, strict=True):
            turn_spans[i] = span
        queries = tuple((q["query"], tuple((int(a), int(b)) for a, b in q["relevant_text_span"]))
                        for q in data.get("specific_query_list", []))
        meetings.append(Meeting(doc_id, domain_of(doc_id), tuple(turn_spans), queries))
    return meetings


def relevant_chars(meeting: Meeting, ranges) -> list[tuple[int, int]]:
    return [s for a, b in ranges for s in meeting.turn_spans[a:b + 1] if s is not None]


def first_relevant_rank(hits, doc_id: str, chars: list[tuple[int, int]]) -> int | None:
    """1-based rank (among this meeting's hits) of the first passage overlapping `chars`."""
    mine = [h for h in hits if h.chunk.doc_id == doc_id][:DEPTH]
    for r, h in enumerate(mine, 1):
        if any(h.chunk.start < e and s < h.chunk.end for s, e in chars):
            return r
    return None


def named_participant(query: str, speakers, present: set[str]) -> str | None:
    """The one participant of the meeting the query names (by name, alias or role), else None."""
    named = {name for _, _, name in speakers.mentions_in(query) if name in present}
    return named.pop() if len(named) == 1 else None


def summarise(outcomes: list[Outcome]) -> dict:
    n = len(outcomes)
    part = [o for o in outcomes if o.participant]
    return {"queries": n,
            "recall@1": _mean([o.rank == 1 for o in outcomes]),
            "recall@5": _mean([o.rank is not None and o.rank <= 5 for o in outcomes]),
            "mrr@10": _mean([1 / o.rank if o.rank else 0.0 for o in outcomes]),
            "participant_queries": len(part),
            "participant": _mean([o.first_speaker == o.participant for o in part])}


def by_domain(outcomes: list[Outcome]) -> dict:
    out = {d: summarise([o for o in outcomes if o.domain == d]) for d in DOMAINS}
    out["all"] = summarise(outcomes)
    return out


def _mean(xs) -> float | None:
    xs = list(xs)
    return round(sum(xs) / len(xs), 3) if xs else None


def evaluate(meetings: list[Meeting], pipeline, baseline=None, progress=None) -> dict[str, list[Outcome]]:
    """Ask every specific query of its meeting, with the pipeline (and the baseline)."""
    speakers = pipeline.corpus.speakers
    results: dict[str, list[Outcome]] = {"project": [], "baseline": []}
    total = sum(len(m.queries) for m in meetings)
    done = 0
    for m in meetings:
        present = {p.speaker for p in pipeline.corpus.passages_of(m.doc_id)}
        for query, ranges in m.queries:
            chars = relevant_chars(m, ranges)
            who = named_participant(query, speakers, present)
            ans = pipeline.answer(query, top_k=DEPTH, docs=[m.doc_id])
            results["project"].append(Outcome(m.domain, first_relevant_rank(ans.hits, m.doc_id, chars), who,
                                              ans.speakers[0] if ans.speakers else None, m.doc_id, query,
                                              _shown(ans.hits, m.doc_id)))
            if baseline is not None:
                b = baseline.answer(query, top_k=baseline.vectors.ntotal)
                mine = [h for h in b.hits if h.chunk.doc_id == m.doc_id]
                results["baseline"].append(Outcome(m.domain, first_relevant_rank(mine, m.doc_id, chars), who,
                                                   mine[0].chunk.speaker if mine else None, m.doc_id, query,
                                                   _shown(mine, m.doc_id)))
            done += 1
            if progress:
                progress(done, total)
    return results


def _shown(hits, doc_id: str, n: int = 5) -> tuple[str, ...]:
    return tuple(f"{h.chunk.speaker}: {h.chunk.text[:120]}" for h in hits if h.chunk.doc_id == doc_id)[:n]


def details(results: dict[str, list[Outcome]]) -> list[dict]:
    """One record a query: its rank for each system, who it names and who answered, and the
    project's first passages (to read the misses)."""
    base = results.get("baseline") or [None] * len(results["project"])
    return [{"doc": o.doc_id, "domain": o.domain, "query": o.query, "rank": o.rank,
             "baseline_rank": b.rank if b else None, "participant": o.participant,
             "first_speaker": o.first_speaker, "top": list(o.top)}
            for o, b in zip(results["project"], base)]


def table(report: dict) -> str:
    head = f"{'domain':<10} {'system':<9} {'n':>4} {'R@1':>6} {'R@5':>6} {'MRR@10':>7} {'named':>6} {'attrib':>7}"
    lines = [head, "-" * len(head)]
    fmt = lambda v: "   -  " if v is None else f"{v:6.3f}"  # noqa: E731
    for d in (*DOMAINS, "all"):
        for system in ("project", "baseline"):
            s = report.get(system, {}).get(d)
            if not s or not s["queries"]:
                continue
            lines.append(f"{d:<10} {system:<9} {s['queries']:>4} {fmt(s['recall@1'])} {fmt(s['recall@5'])} "
                         f"{fmt(s['mrr@10']):>7} {s['participant_queries']:>6} {fmt(s['participant']):>7}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.qmsum", description=__doc__.split("\n\n")[1])
    p.add_argument("path", type=Path, help="a QMSum checkout (the folder holding data/ALL)")
    p.add_argument("--split", choices=SPLITS, default="val")
    p.add_argument("--home", type=Path, help="where the corpus and index go (default: RAG_HOME/qmsum-SPLIT)")
    p.add_argument("--limit", type=int, help="only the first N meetings (for a quick look)")
    p.add_argument("--per-domain", type=int, metavar="N", help="only the first N meetings of each domain")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--details", type=Path, metavar="FILE", help="also write one JSON line a query (ranks, top passages)")
    args = p.parse_args(argv)
    from rag.config import from_env
    from rag.pipeline import Pipeline
    from eval.baseline import Baseline
    base = from_env()
    home = args.home or base.home / f"qmsum-{args.split}"
    try:
        files = meeting_files(args.path, args.split)[: args.limit]
        if args.per_domain:
            files = [f for d in DOMAINS for f in [f for f in files if domain_of(f.stem) == d][: args.per_domain]]
        home.mkdir(parents=True, exist_ok=True)
        models = home / "models"
        if not models.exists() and base.models_dir.exists():
            models.symlink_to(base.models_dir.resolve())  # the converted model is shared
        t0 = time.perf_counter()
        meetings = import_meetings(files, home / "corpus")
        pipeline = Pipeline(from_env(home=home, corpus_dir=home / "corpus")).warm_up()
    except (OSError, ValueError) as err:
        print(f"eval.qmsum: {err}", file=sys.stderr)
        return 2
    baseline = None if args.no_baseline else Baseline.from_pipeline(pipeline).warm_up()
    print(f"{len(meetings)} meetings, {len(pipeline.index.chunks)} chunks, ready in "
          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    results = evaluate(meetings, pipeline, baseline,
                       lambda d, n: print(f"\r{d}/{n}", end="", file=sys.stderr, flush=True))
    print(file=sys.stderr)
    report = {"split": args.split, "meetings": len(meetings),
              "project": by_domain(results["project"])}
    if baseline is not None:
        report["baseline"] = by_domain(results["baseline"])
    print(f"QMSum {args.split}: {len(meetings)} meetings\n" + table(report))
    if args.json:
        write_aside(args.json, json.dumps(report, indent=1) + "\n")
    if args.details:
        write_aside(args.details, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in details(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
