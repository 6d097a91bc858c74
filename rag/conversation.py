"""The conversation so far: each earlier turn's question and, when known, what its answer was
about (the people it attributed to, the passages it quoted). A follow-up is resolved against
it ("he" = the person who answered), and an answer moves on from what was already quoted.

The JSON form (`rag ask --history-json FILE`, the app's `/ask` API) is a list of turns, oldest
first, each a question string or `{"question", "speakers", "citations"}` where a citation is
`{"doc_id", "start", "end"}` (what `rag ask --json` prints is a valid turn as it is).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    """One earlier turn. `answered` is False when only the question is known."""
    question: str
    speakers: tuple[str, ...] = ()
    quoted: tuple[tuple[str, int, int], ...] = ()   # (doc_id, start, end) of each cited quote
    answered: bool = False

    @classmethod
    def of(cls, answer) -> "Turn":
        """The turn a `rag.records.Answer` makes."""
        return cls(answer.question, tuple(answer.speakers),
                   tuple((c.chunk.doc_id, c.start, c.end) for c in answer.citations), True)


def as_turns(history: Sequence) -> list[Turn]:
    """Turns from a history of questions (str) and/or Turns."""
    return [h if isinstance(h, Turn) else Turn(str(h)) for h in history]


def from_json(value) -> list[Turn]:
    """Turns from the JSON form; a wrong shape raises ValueError naming the bad value."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError(f"history must be a list of turns, got {_short(value)}")
    return [_turn(item, k) for k, item in enumerate(value)]


def _turn(item, k: int) -> Turn:
    if isinstance(item, str):
        return Turn(item)
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        raise ValueError(f"history[{k}] must be a question or an object with a 'question' string, got {_short(item)}")
    speakers = item.get("speakers")
    speakers = [] if speakers is None else speakers
    if not isinstance(speakers, list) or not all(isinstance(s, str) for s in speakers):
        raise ValueError(f"history[{k}].speakers must be a list of names, got {_short(speakers)}")
    cites = item.get("citations")
    cites = [] if cites is None else cites
    if not isinstance(cites, list):
        raise ValueError(f"history[{k}].citations must be a list, got {_short(cites)}")
    quoted = []
    for j, c in enumerate(cites):
        ok = (isinstance(c, dict) and isinstance(c.get("doc_id"), str)
              and all(isinstance(c.get(f), int) and not isinstance(c.get(f), bool) for f in ("start", "end")))
        if not ok or c["start"] > c["end"]:
            raise ValueError(f"history[{k}].citations[{j}] must have 'doc_id' and 'start' <= 'end', got {_short(c)}")
        quoted.append((c["doc_id"], c["start"], c["end"]))
    answered = "speakers" in item or "citations" in item
    return Turn(item["question"], tuple(speakers), tuple(quoted), answered)


def bound(turns: list[Turn], max_turns: int, max_chars: int) -> tuple[list[Turn], tuple[str, ...]]:
    """The last `max_turns` turns, each question cut to `max_chars`, and a notice for each cut."""
    notices = []
    if len(turns) > max_turns:
        notices.append(f"history cut to its last {max_turns} turns (of {len(turns)})")
        turns = turns[-max_turns:] if max_turns > 0 else []
    if any(len(t.question) > max_chars for t in turns):
        notices.append(f"earlier questions cut to their first {max_chars} characters")
        turns = [Turn(t.question[:max_chars], t.speakers, t.quoted, t.answered) for t in turns]
    return turns, tuple(notices)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
