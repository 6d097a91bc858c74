"""Evaluation questions: load a JSON Lines file (../shared/eval-schema.md), keep the good lines,
report the bad ones by line number."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

UNANSWERABLE = "unanswerable"
# Types whose right answer is a decline (../shared/eval-schema.md).
DECLINED_TYPES = frozenset({UNANSWERABLE, "detail_missing", "wrong_speaker"})
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
    # Optional fields of this project's set (other runners ignore them):
    tags: tuple[str, ...] = ()                        # e.g. "short-topic"
    conversation: str = ""                            # id shared by the turns of one conversation
    turn: int = 0                                     # 1, 2, 3 within it; 0 outside conversations
    key_points: tuple[tuple[str, ...], ...] = ()      # summary: each point's alternative phrasings
    yesno: str = ""                                   # yesno: "yes" or "no"
    sections: tuple[str, ...] = ()                    # summary: the sections asked about

    @property
    def answerable(self) -> bool:
        return self.type not in DECLINED_TYPES


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
    for k in ("conversation", "yesno"):
        if k in obj and not isinstance(obj[k], str):
            raise ValueError(f"`{k}` must be a string, got {obj[k]!r}")
    if obj.get("yesno") not in (None, "", "yes", "no"):
        raise ValueError(f"`yesno` must be \"yes\" or \"no\", got {obj['yesno']!r}")
    turn = obj.get("turn", 0)
    if not isinstance(turn, int) or isinstance(turn, bool) or turn < 0:
        raise ValueError(f"`turn` must be a whole number, got {turn!r}")
    qtype = obj.get("type") or (UNANSWERABLE if not strings["speakers"] else "unknown")
    return Question(qid, obj["question"], obj.get("lang") or "unknown", qtype, strings["speakers"],
                    strings["evidence"], strings["key_facts"], strings["history"],
                    obj.get("split") or "", number, _strings(obj, "tags"), obj.get("conversation") or "",
                    turn, _key_points(obj), obj.get("yesno") or "", _strings(obj, "sections"))


def _strings(obj: dict, key: str) -> tuple[str, ...]:
    value = obj.get(key, [])
    if value is None:
        value = []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"`{key}` must be a list of strings, got {value!r}")
    return tuple(value)


def _key_points(obj: dict) -> tuple[tuple[str, ...], ...]:
    """`key_points`: a list whose items are a string or a list of alternative strings."""
    value = obj.get("key_points") or []
    if not isinstance(value, list):
        raise ValueError(f"`key_points` must be a list, got {value!r}")
    points = []
    for item in value:
        alts = [item] if isinstance(item, str) else item
        if not isinstance(alts, list) or not alts or not all(isinstance(a, str) and a.strip() for a in alts):
            raise ValueError(f"each key point must be a string or a list of strings, got {item!r}")
        points.append(tuple(alts))
    return tuple(points)


def select(questions: list[Question], split: str) -> list[Question]:
    """The questions of one split ("dev", "test"), or all of them ("all")."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    return list(questions) if split == "all" else [q for q in questions if q.split == split]


def split_for(questions: list[Question], requested: str) -> str:
    """The split to run: the one asked for, or all of a file whose questions name no split
    (someone else's set, in the schema's format, which has no `split` field)."""
    return requested if any(q.split for q in questions) else "all"
