"""The records that flow from a transcript file to the index: passages and chunks."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, asdict

# What a passage is, in the transcript's own structure.
KINDS = (
    "talk",               # first-person talk under `## Name`
    "talk_summary",       # an editor's summary of a talk (`## 杨植麟`)
    "roundtable",         # a round-table turn (`Name：` and its continuations)
    "moderator_question", # the moderator's questions
    "summary_quote",      # a quote 「…」 in the news-style summary, attributed to a person
    "summary_report",     # reported speech in the summary (他透露…, X认为…): the person's content, editor's words
    "narration",          # the article's own voice (编者)
    "introduction",       # `唐杰：清华大学教授…`: who someone is (编者)
    "heading",            # a title or subheading line
)

EDITOR = "编者"


def stable_id(*parts: object) -> str:
    """A short id that is a hash of what identifies a record (source and offsets)."""
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Passage:
    """An attributed stretch of one transcript: `text == source[start:end]`."""
    doc_id: str
    speaker: str
    section: str
    kind: str
    text: str
    start: int
    end: int
    line: int  # 1-based line of `start` in the file
    para: int  # 0-based index of the paragraph this passage belongs to


@dataclass(frozen=True)
class Chunk:
    """A speaker-pure piece of text to embed and retrieve: `text == source[start:end]`."""
    chunk_id: str
    doc_id: str
    speaker: str
    section: str
    kind: str
    text: str
    start: int
    end: int
    para: int
    context: str = ""  # what the chunk answers (the moderator's question), for search only

    @classmethod
    def make(cls, doc_id: str, speaker: str, section: str, kind: str, text: str,
             start: int, end: int, para: int, context: str = "") -> "Chunk":
        return cls(stable_id(doc_id, start, end), doc_id, speaker, section, kind, text, start, end,
                   para, context)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict) -> "Chunk":
        return cls(**{f: obj[f] for f in cls.__dataclass_fields__ if f in obj or f != "context"})
