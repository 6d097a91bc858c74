"""A sentence-aligned edition of a transcript in another language (`<doc_id>.<lang>.jsonl` beside
it in corpus/): a header line naming the source and its sha256, then one record per sentence
unit of the source with its `start`/`end` offsets, the source text `zh` and the translation.

The original stays the evidence (quoted, checked, highlighted); the edition lets questions in
its language be matched in that language and answered with a rendering of each quote.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.chunk import sentences
from index.parse import ParseError, paragraphs

UNIT = "sentences of the paragraphs (index.parse.paragraphs, index.chunk.sentences)"  # the header's "unit"


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    source: str
    text: str          # the translation


@dataclass(frozen=True)
class Edition:
    doc_id: str
    lang: str
    file: Path
    units: tuple[Unit, ...]
    stale: bool        # the source changed since the edition was made

    def rendering(self, start: int, end: int) -> str:
        """The translation of the units that overlap source[start:end], joined."""
        starts = [u.start for u in self.units]
        i = max(0, bisect.bisect_right(starts, start) - 1)
        parts = []
        for u in self.units[i:]:
            if u.start >= end:
                break
            if u.end > start:
                parts.append(u.text.strip())
        return " ".join(p for p in parts if p)


def edition_units(text: str) -> list[tuple[int, int]]:
    """(start, end) of every unit an edition translates: the sentences of every paragraph of
    the source, headings included, in order."""
    return [span for p in paragraphs(text) for span in sentences(p.text, p.start)]


def edition_file(corpus_dir: Path, doc_id: str, lang: str) -> Path:
    return Path(corpus_dir) / f"{doc_id}.{lang}.jsonl"


def load_edition(file: Path, doc_id: str, source: str) -> Edition:
    """Read and check an edition against its source text; ParseError names file and line."""
    file = Path(file)
    lang = file.name[len(doc_id) + 1:-len(".jsonl")]
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ParseError(f"{file}:1: cannot read the edition ({err})") from None
    if not lines:
        raise ParseError(f"{file}:1: empty edition")
    header = _json(file, 1, lines[0])
    if header.get("doc") != doc_id or "source_sha256" not in header:
        raise ParseError(f"{file}:1: the header must name doc {doc_id!r} and its source_sha256")
    stale = header["source_sha256"] != hashlib.sha256(source.encode("utf-8")).hexdigest()
    key = header.get("edition") or header.get("lang") or lang  # the translation's key: its language
    units = []
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        rec = _json(file, n, line)
        try:
            start, end, text = int(rec["start"]), int(rec["end"]), str(rec[key])
        except (KeyError, TypeError, ValueError):
            raise ParseError(f"{file}:{n}: a unit needs integer start, end and its text {key!r}") from None
        units.append(Unit(start, end, str(rec.get("zh", "")), text))
    edition = Edition(doc_id, lang, file, tuple(units), stale)
    if not stale:
        problems = check_edition(edition, source)
        if problems:
            raise ParseError(f"{file}:{problems[0][0]}: {problems[0][1]}")
    return edition


def check_edition(edition: Edition, source: str) -> list[tuple[int, str]]:
    """(line, problem) for every unit out of range, out of order, overlapping, not matching
    its source text or without a translation, and for source text no unit covers (whitespace
    and punctuation aside)."""
    problems = []
    covered = bytearray(len(source))
    prev_end = 0
    for n, u in enumerate(edition.units, start=2):
        if not 0 <= u.start < u.end <= len(source):
            problems.append((n, f"offsets {u.start}..{u.end} outside the source (length {len(source)})"))
            continue
        if u.start < prev_end:
            problems.append((n, f"unit at {u.start} overlaps or precedes the one ending at {prev_end}"))
        if u.source and source[u.start:u.end] != u.source:
            problems.append((n, f"source text at {u.start}..{u.end} differs from the unit's"))
        if not u.text.strip():
            problems.append((n, "no translation"))
        covered[u.start:u.end] = b"\1" * (u.end - u.start)
        prev_end = max(prev_end, u.end)
    for p in paragraphs(source):
        for i in range(p.start, p.end):
            ch = source[i]
            if not covered[i] and not ch.isspace() and not unicodedata.category(ch).startswith("P"):
                problems.append((1, f"source text at {i} (line {p.line}) is in no unit: {source[i:i + 20]!r}"))
                break
    return problems


def _json(file: Path, n: int, line: str) -> dict:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        raise ParseError(f"{file}:{n}: not valid JSON ({err.msg})") from None
    if not isinstance(obj, dict):
        raise ParseError(f"{file}:{n}: not a JSON object")
    return obj


def find_editions(corpus_dir: Path, texts: dict[str, str]) -> dict[tuple[str, str], Edition]:
    """(doc_id, lang) -> Edition for every `<doc_id>.<lang>.jsonl` beside a transcript."""
    out = {}
    for doc_id, source in texts.items():
        for file in sorted(Path(corpus_dir).glob(f"{doc_id}.*.jsonl")):
            lang = file.name[len(doc_id) + 1:-len(".jsonl")]
            if lang and "." not in lang:
                out[(doc_id, lang)] = load_edition(file, doc_id, source)
    return out
