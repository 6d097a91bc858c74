"""Evaluation questions: load a JSON Lines file (../shared/eval-schema.md), keep the good lines,
report the bad ones by line number."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

UNANSWERABLE = "unanswerable"
SPLITS = ("dev", "test", "all")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    type: str
    speakers: tuple[str, ...]
    evidence: tuple[str, ...]
    key_facts: tuple[str, ...]
    history: tuple[str, ...] = ()
    split: str = ""
    line: int = 0  # 1-based line in the file it came from

    @property
    def answerable(self) -> bool:
        return self.type != UNANSWERABLE


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def load_questions(path: Path) -> tuple[list[Question], list[LineProblem]]:
    """The questions of a file and the problems of the lines that were skipped.

    Blank lines are ignored. A line is skipped when it is not a JSON object, lacks `id`,
    `question` or `speakers`, has a field of the wrong type, or repeats an earlier id.
    Unknown fields are ignored; missing optional fields get neutral defaults.
    """
    questions: list[Question] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                q = parse_line(raw, number)
            except ValueError as err:
                problems.append(LineProblem(number, str(err)))
                continue
            if q.id in seen:
                problems.append(LineProblem(number, f"id {q.id!r} already used on line {seen[q.id]}"))
                continue
            seen[q.id] = number
            questions.append(q)
    return questions, problems


def parse_line(raw: str, number: int = 0) -> Question:
    """One line -> Question; raises ValueError saying what is wrong with it."""
    try:
        obj = json.loads(raw.strip())
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"not a JSON object but a {type(obj).__name__}")
    missing = [k for k in ("id", "question", "speakers") if k not in obj]
    if missing:
        raise ValueError("missing " + ", ".join(f"`{k}`" for k in missing))
    qid = obj["id"]
    if isinstance(qid, int) and not isinstance(qid, bool):
        qid = str(qid)
    if not isinstance(qid, str) or not qid.strip():
        raise ValueError(f"`id` must be a non-empty string, got {obj['id']!r}")
    if not isinstance(obj["question"], str) or not obj["question"].strip():
        raise ValueError(f"`question` must be a non-empty string, got {obj['question']!r}")
    strings = {k: _strings(obj, k) for k in ("speakers", "evidence", "key_facts", "history")}
    for k in ("lang", "type", "split"):
        if k in obj and not isinstance(obj[k], str):
            raise ValueError(f"`{k}` must be a string, got {obj[k]!r}")
    qtype = obj.get("type") or (UNANSWERABLE if not strings["speakers"] else "unknown")
    return Question(qid, obj["question"], obj.get("lang") or "unknown", qtype, strings["speakers"],
                    strings["evidence"], strings["key_facts"], strings["history"],
                    obj.get("split") or "", number)


def _strings(obj: dict, key: str) -> tuple[str, ...]:
    value = obj.get(key, [])
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"`{key}` must be a list of strings, got {value!r}")
    return tuple(value)


def select(questions: list[Question], split: str) -> list[Question]:
    """The questions of one split ("dev", "test"), or all of them ("all")."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    return list(questions) if split == "all" else [q for q in questions if q.split == split]
