"""`python -m eval.languages [--split dev|test|all] [--json] [--questions PATH] [--twins PATH]`

Do English questions retrieve the Chinese passages as well as Chinese questions do? Every
`"lang": "en"` question of the question file is asked three ways, with the same expected
evidence, speakers and key facts:

    en                   the English question as written (and its English history)
    zh                   its simplified-Chinese twin from eval/twins.jsonl (and translated history)
    zh-hant (converted)  the twin converted by OpenCC s2twp (Taiwan traditional, with phrases)

and the schema metrics (eval.metrics) are printed side by side, overall and per split, with the
share of Latin letters in the English answers once the speakers' names are taken out (an English
reader should get English, not Chinese quotes under an English lead-in).

eval/twins.jsonl: one JSON object a line, `{"id": ..., "question": ..., "history": [...]}`, `id`
naming an English question of the question file, `history` (optional) its earlier turns translated
one for one. A bad line is reported with its line number and skipped.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from eval.dataset import LineProblem, Question, load_questions, select
from eval.metrics import METRICS, aggregate
from eval.runner import RANKING_DEPTH, Row, run, stderr_progress

HERE = Path(__file__).resolve().parent
DEFAULT_QUESTIONS = HERE / "questions.jsonl"
DEFAULT_TWINS = HERE / "twins.jsonl"
VARIANTS = {"en": "English", "zh": "zh twin", "zh-hant": "zh-hant (converted)"}
SHOWN = ("hit@1", "hit@3", "hit@5", "mrr@10", "attribution_accuracy", "abstention_accuracy",
         "key_fact_coverage")
GROUPS = ("dev", "test", "all")


@dataclass(frozen=True)
class Twin:
    id: str
    question: str
    history: tuple[str, ...] = ()
    line: int = 0


def load_twins(path: Path) -> tuple[dict[str, Twin], list[LineProblem]]:
    """The twins of a file by id, and the problems of the lines that were skipped."""
    twins: dict[str, Twin] = {}
    problems: list[LineProblem] = []
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                twin = _parse_twin(raw, number)
            except ValueError as err:
                problems.append(LineProblem(number, str(err)))
                continue
            if twin.id in twins:
                problems.append(LineProblem(number, f"id {twin.id!r} already used on line {twins[twin.id].line}"))
                continue
            twins[twin.id] = twin
    return twins, problems


def _parse_twin(raw: str, number: int) -> Twin:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"not a JSON object but a {type(obj).__name__}")
    qid, question, history = obj.get("id"), obj.get("question"), obj.get("history") or []
    if not isinstance(qid, str) or not qid.strip():
        raise ValueError(f"`id` must be a non-empty string, got {qid!r}")
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"`question` must be a non-empty string, got {question!r}")
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise ValueError(f"`history` must be a list of strings, got {history!r}")
    return Twin(qid, question, tuple(history), number)


@lru_cache(maxsize=1)
def _s2twp():
    import opencc
    return opencc.OpenCC("s2twp")


def to_traditional(text: str) -> str:
    """Simplified -> Taiwan traditional with Taiwanese phrasing (OpenCC s2twp)."""
    return _s2twp().convert(text)


def variants(questions: list[Question], twins: dict[str, Twin]) -> tuple[dict[str, list[Question]], list[str]]:
    """The three versions of every English question that has a twin (keyed like VARIANTS), and
    the ids of the English questions without one (left out of all three)."""
    english = [q for q in questions if q.lang == "en"]
    missing = [q.id for q in english if q.id not in twins]
    paired = [q for q in english if q.id in twins]
    zh = [replace(q, question=twins[q.id].question, history=twins[q.id].history, lang="zh") for q in paired]
    hant = [replace(q, question=to_traditional(q.question), history=tuple(map(to_traditional, q.history)),
                    lang="zh-hant") for q in zh]
    return {"en": paired, "zh": zh, "zh-hant": hant}, missing


def latin_share(texts: list[str], names: list[str] = ()) -> float | None:
    """Of all the letters of `texts` once every name of `names` is taken out ("Lin Junyang
    (林俊旸) said: …"), the share that are Latin; None if no letter is left."""
    letters = latin = 0
    for text in texts:
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, " ")
        for ch in text:
            if unicodedata.category(ch).startswith("L"):
                letters += 1
                latin += unicodedata.name(ch, "").startswith("LATIN")
    return latin / letters if letters else None


def compare(answerer, questions: list[Question], twins: dict[str, Twin], split: str = "all",
            progress: bool = False, names: list[str] = ()) -> dict:
    """Ask every version of the English questions of `split`; the metrics of each version
    ("overall" and "by_split", as eval.metrics.aggregate gives them), per-question scores, and
    the share of Latin letters in the English answers outside `names` (the speakers' names)."""
    versions, missing = variants(select(questions, split), twins)
    rows: dict[str, list[Row]] = {}
    for name, qs in versions.items():
        rows[name] = run(answerer, qs, RANKING_DEPTH, stderr_progress(name) if progress else None)
    metrics = {name: aggregate([(r.question, r.scores) for r in rs]) for name, rs in rows.items()}
    per_question = []
    for i, q in enumerate(versions["en"]):
        entry = {"id": q.id, "split": q.split, "type": q.type}
        for name in versions:
            s = rows[name][i].scores
            entry[name] = {"question": rows[name][i].question.question, "hit@5": s.hit_at_5,
                           "mrr@10": s.mrr_at_10, "attribution": s.attribution, "abstention": s.abstention,
                           "key_facts": s.key_facts}
        per_question.append(entry)
    english_answers = [r.answer.get("answer", "") for r in rows["en"]]
    return {"split": split, "evaluated": len(versions["en"]), "missing_twins": missing,
            "metrics": metrics, "latin_share": latin_share(english_answers, names), "per_question": per_question}


def group(metrics: dict, name: str) -> dict:
    """The summary of one group: a split name, or "all"."""
    return metrics["overall"] if name == "all" else metrics["by_split"].get(name, {})


def render(result: dict) -> str:
    from eval.report import fmt, fmt_diff, table
    parts = []
    m = result["metrics"]
    groups = [g for g in GROUPS if g == "all" or g in m["en"]["by_split"]] if result["split"] == "all" else ["all"]
    for g in groups:
        en, zh, hant = (group(m[v], g) for v in VARIANTS)
        title = result["split"] if g == "all" else g
        rows = [["questions (answerable)", *(f"{s.get('n', 0)} ({s.get('n_answerable', 0)})" for s in (en, zh, hant)), ""]]
        for name in SHOWN:
            a, b = en.get(name), zh.get(name)
            rows.append([METRICS[name], fmt(name, a), fmt(name, b), fmt(name, hant.get(name)),
                         fmt_diff(name, None if a is None or b is None else a - b)])
        parts += [f"== English vs Chinese twins: {title}", table(["metric", *VARIANTS.values(), "en - zh"], rows)]
    share = result.get("latin_share")
    if share is not None:
        parts.append(f"English answers: {share:.1%} of their letters outside the speakers' names are Latin")
    checks = ("hit@5", "abstention")
    differ = [e for e in result["per_question"] if any(len({e[v][c] for v in VARIANTS}) > 1 for c in checks)]
    if differ:
        rows = [[e["id"], e["split"], e["type"], *(fmt(c, e[v][c]) for v in VARIANTS for c in checks)] for e in differ]
        parts += ["== Questions whose evidence hit@5 or abstention differs between versions",
                  table(["id", "split", "type", *(f"{v} {c}" for v in VARIANTS for c in checks)], rows)]
    return "\n\n".join(parts)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval.languages",
                                description="English questions vs their Chinese twins (and a traditional conversion).")
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSON Lines question file")
    p.add_argument("--twins", type=Path, default=DEFAULT_TWINS, help="JSON Lines file of Chinese twins")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--without-glossary", action="store_true",
                   help="answer without corpus/glossary.json (as RAG_GLOSSARY=off)")
    p.add_argument("--split", choices=GROUPS, default="dev",
                   help="questions of this split (default: dev; run test once, when a change is done)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for path in (args.questions, args.twins):
        if not path.is_file():
            print(f"eval.languages: no file at {path}", file=sys.stderr)
            return 2
    questions, problems = load_questions(args.questions)
    twins, twin_problems = load_twins(args.twins)
    for path, ps in ((args.questions, problems), (args.twins, twin_problems)):
        for p in ps:
            print(f"eval.languages: {path}: {p} (skipped)", file=sys.stderr)
    if not any(q.lang == "en" and q.id in twins for q in questions):
        print(f"eval.languages: no English question of {args.questions} has a twin in {args.twins}", file=sys.stderr)
        return 2

    from index.parse import ParseError
    from index.store import IndexProblem
    from rag.config import from_env
    from rag.pipeline import Pipeline
    try:
        config = from_env(glossary=False if args.without_glossary else None)
        pipeline = Pipeline(config).warm_up(progress=False)
    except (ParseError, IndexProblem, ValueError) as err:
        print(f"eval.languages: {err}", file=sys.stderr)
        return 2
    names = [n for sp in pipeline.corpus.speakers.all for n in (sp.name, *sp.aliases)]
    result = compare(pipeline, questions, twins, args.split, progress=True, names=names)
    for qid in result["missing_twins"]:
        print(f"eval.languages: English question {qid} has no twin in {args.twins} (left out)", file=sys.stderr)
    result = {"questions": str(args.questions), "twins": str(args.twins), "model": config.model,
              "glossary": config.glossary,
              "top_k": RANKING_DEPTH, **result}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"{result['evaluated']} English questions from {args.questions} and their twins from "
              f"{args.twins}; model {config.model}; glossary {'on' if config.glossary else 'off'}")
        print()
        print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
