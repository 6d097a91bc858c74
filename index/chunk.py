"""Passages -> speaker-pure chunks that break at sentence boundaries, with exact offsets."""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.documents import detect_lang
from index.records import Chunk, Passage

CHUNKER_VERSION = 6
# Sentence ends: Chinese and English punctuation (a closing quote stays with its sentence),
# and line breaks.
_SENTENCE = re.compile(r"[^。！？；!?;…\n]*(?:[。！？；!?;…]+[」』”’\"')）]*|\n|$)|[^\n]+")
# An English full stop, also as tokenised transcripts write it ("meeting . What"), before a
# capital or a Chinese character.
_EN_STOP = re.compile(r"(?:(?<=[A-Za-z0-9%)}][.])|(?<=[A-Za-z0-9%)}] [.]))\s+(?=[A-Z\u4e00-\u9fff])")


CONTEXT_CHARS = 80   # how much of the moderator's question a short reply carries
SHORT_REPLY = 80     # a round-table chunk this short is searched together with the question
# An English word carries about as much as a Chinese character but is several letters long:
# sizes (and the two above) are in characters of Chinese; English text gets this many per unit.
LATIN_CHARS_PER_UNIT = 3


@dataclass(frozen=True)
class ChunkSettings:
    size: int = 300     # at most this many characters a chunk, unless one sentence is longer
    overlap: int = 60   # characters of trailing sentences repeated at the start of the next chunk

    def __post_init__(self):
        if self.size < 20:
            raise ValueError(f"chunk size must be at least 20 characters, got {self.size}")
        if not 0 <= self.overlap < self.size:
            raise ValueError(f"chunk overlap must be in [0, size={self.size}), got {self.overlap}")


def sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, shifted by `offset`, whitespace trimmed."""
    spans = []
    for m in _SENTENCE.finditer(text):
        s, e = m.start(), m.end()
        pieces = [s] + [x.end() for x in _EN_STOP.finditer(text, s, e)] + [e]
        for a, b in zip(pieces, pieces[1:]):
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if a < b:
                spans.append((a + offset, b + offset))
    return spans


def chunk_passages(passages: list[Passage], source: str, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    """Pack sentences of consecutive passages of one speaker, section and kind into chunks.

    A chunk never mixes speakers, sections or kinds; `source[chunk.start:chunk.end] == chunk.text`.
    Headings are not chunked: they are not anyone's statement.
    """
    chunks: list[Chunk] = []
    group: list[Passage] = []
    asked = ""  # the last moderator question, the context of the answers that follow it
    for p in passages:
        if p.kind == "heading":
            continue
        if group and not _same_run(group[-1], p):
            chunks += _pack(group, source, settings, asked)
            if group[-1].kind == "moderator_question":
                asked = group[-1].text[-CONTEXT_CHARS:]
            group = []
        group.append(p)
    if group:
        chunks += _pack(group, source, settings, asked)
    return chunks


def _same_run(a: Passage, b: Passage) -> bool:
    """Talk paragraphs and turns of one speaker run on; each summary quote stands alone, so
    that its editor's lead-in (`他解释：「`) is always at the start of its chunk."""
    if a.kind in ("summary_quote", "summary_report") or b.kind in ("summary_quote", "summary_report"):
        return False
    return (a.doc_id, a.speaker, a.section, a.kind) == (b.doc_id, b.speaker, b.section, b.kind)


def _pack(group: list[Passage], source: str, settings: ChunkSettings, asked: str) -> list[Chunk]:
    """Pack a run into chunks; a short reply keeps the question it answers as search context."""
    spans = [(s, e, p) for p in group for s, e in sentences(p.text, p.start)]
    unit = LATIN_CHARS_PER_UNIT if detect_lang(" ".join(p.text for p in group)) == "en" else 1
    size, overlap = settings.size * unit, settings.overlap * unit
    out: list[Chunk] = []
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] <= size:
            j += 1
        first = spans[i][2]
        start, end = spans[i][0], spans[j][1]
        context = asked if first.kind == "roundtable" and end - start <= SHORT_REPLY * unit else ""
        out.append(Chunk.make(first.doc_id, first.speaker, first.section, first.kind,
                              source[start:end], start, end, first.para, context))
        if j + 1 >= len(spans):
            break
        # Step back over trailing sentences that fit in the overlap, but always move forward.
        k = j + 1
        while k - 1 > i and spans[j][1] - spans[k - 1][0] <= overlap:
            k -= 1
        i = k
    return out
