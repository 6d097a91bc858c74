"""Sentence units: every sentence of every chunk, with its offsets, speaker and the chunk that
holds it. Answers quote these (one, or a few consecutive ones), so that a quote is always a
whole sentence of one speaker that can be traced to its exact characters."""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.chunk import sentences
from index.records import Chunk

OPENING_QUOTES = "「『“\""
CLOSING_QUOTES = "」』”\""
# A summary quote's editor's lead-in: `唐杰直言：「` (the quote is what follows it).
_QUOTE_OPEN = re.compile(r"^[^「」]{0,60}?[：:，,]\s*「")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk: `source[start:end] == text`, quotation marks trimmed."""
    doc_id: str
    chunk_id: str
    speaker: str
    section: str
    kind: str
    text: str
    start: int
    end: int
    para: int

    @property
    def leads_in(self) -> bool:
        """It announces what follows ("有三点：", "中国也许的机会："): not a quote on its own."""
        return self.text.rstrip().endswith(("：", ":"))

    @property
    def asks(self) -> bool:
        """It is a question: whoever asks about a topic has not said anything on it."""
        return self.text.rstrip().rstrip("」』”’\"')）").endswith(("？", "?"))


def trim_quote_marks(text: str, s: int, e: int) -> tuple[int, int]:
    """text[s:e] without its opening quotation marks, closing quotation marks and then the
    whitespace at either end, as (start, end) offsets into `text`."""
    while s < e and text[s] in OPENING_QUOTES:
        s += 1
    while e > s and text[e - 1] in CLOSING_QUOTES:
        e -= 1
    while e > s and text[e - 1].isspace():
        e -= 1
    while s < e and text[s].isspace():
        s += 1
    return s, e


def spoken_body(chunk: Chunk) -> tuple[int, int]:
    """The part of a chunk that is the speaker's words, as offsets into `chunk.text`: a summary
    quote without the editor's lead-in (`X直言：「`) and tail (`」他补充道`)."""
    start, end = 0, len(chunk.text)
    m = _QUOTE_OPEN.match(chunk.text)
    if m:
        start = m.end()
    if chunk.kind == "summary_quote" and "」" in chunk.text[start:]:
        end = chunk.text.rindex("」")
    return start, end


def sentence_units(chunks: tuple[Chunk, ...] | list[Chunk]) -> list[Sentence]:
    """Every sentence of the chunks' spoken bodies, each once (overlapping chunks share
    sentences: the first chunk holding one keeps it), in index order."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Sentence] = []
    for c in chunks:
        lo, hi = spoken_body(c)
        for s, e in sentences(c.text[lo:hi], lo):
            s, e = trim_quote_marks(c.text, s, e)
            key = (c.doc_id, c.start + s, c.start + e)
            if e <= s or key in seen:
                continue
            seen.add(key)
            para = c.para + c.text.count("\n\n", 0, s)   # a chunk may run over several paragraphs
            out.append(Sentence(c.doc_id, c.chunk_id, c.speaker, c.section, c.kind, c.text[s:e],
                                c.start + s, c.start + e, para))
    return out
