"""Checking the LLM's answer against the passages it was given: markers that point to no
passage are dropped, quotes not found in the cited passage are flagged, and every surviving
citation gets a quote span with exact corpus offsets."""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.chunk import sentences
from index.tokens import Tokenizer, to_simplified
from rag.compose import MAX_QUOTE
from rag.query import Query
from rag.records import Citation, Hit
from rag.text import bigrams, trim_quote_marks

NOT_FOUND = {"en": " (quote not found in the cited passage)", "zh": "（未在引用段落中找到此引文）",
             "zh-hant": "（未在引用段落中找到此引文）"}

_MARKERS = re.compile(r"(?:\s?[\[［]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]］])+")
_QUOTE = re.compile(r"「([^「」]+)」|“([^“”]+)”|\"([^\"\n]+)\"|『([^『』]+)』")
_ELLIPSIS = re.compile(r"…+|\.{3,}|⋯+")


@dataclass(frozen=True)
class Checked:
    text: str
    citations: tuple[Citation, ...]
    speakers: tuple[str, ...]
    notices: tuple[str, ...]


def check(text: str, hits: list[Hit], corpus_text: dict[str, str], query: Query,
          tokenizer: Tokenizer | None = None, preferred: dict[str, tuple[int, int]] | None = None) -> Checked:
    """Drop markers that point to no passage, flag quotes not in the cited passage, and build
    the citations that survive (in order of first citation). `preferred` maps a chunk id to a
    quote span to use when the answer quotes nothing of that chunk."""
    out, notices, order = [], [], []
    quoted: dict[int, tuple[int, int]] = {}   # passage n -> verified quote span
    claims: dict[int, str] = {}               # passage n -> the first claim citing it
    pos = 0
    for m in [*_MARKERS.finditer(text), None]:
        claim = text[pos:m.start() if m else len(text)]
        nums = _numbers(m.group(0)) if m else []
        valid = [n for n in nums if 1 <= n <= len(hits)]
        for n in dict.fromkeys(n for n in nums if n not in valid):
            notices.append(f"citation [{n}] points to no retrieved passage; removed")
        valid = list(dict.fromkeys(valid))
        flags = []
        for q in _QUOTE.finditer(claim):
            words = next(g for g in q.groups() if g is not None)
            where = valid or list(range(1, len(hits) + 1))  # an uncited quote must be somewhere
            found = next(((n, span) for n in where if (span := _locate(words, hits[n - 1].chunk))), None)
            if found:
                quoted.setdefault(found[0], found[1])
                continue
            flags.append(q.end())
            cited = "".join(f"[{n}]" for n in valid) or "any retrieved passage"
            notices.append(f"quote not found in {'cited passage ' if valid else ''}{cited}: "
                           f"「{_short(words)}」")
        note = NOT_FOUND.get(query.lang, NOT_FOUND["en"])
        if m:
            out.append(claim)
            if valid:
                lead = m.group(0)[0] if m.group(0)[0].isspace() else ""
                out.append(lead + "".join(f"[{n}]" for n in valid))
            out.append(note * bool(flags))
            pos = m.end()
        else:  # the tail after the last marker: flag right after each quote
            for end in reversed(flags):
                claim = claim[:end] + note + claim[end:]
            out.append(claim)
        for n in valid:
            if n not in order:
                order.append(n)
                claims[n] = claim
    citations = []
    for n in order:
        chunk = hits[n - 1].chunk
        s, e = (quoted.get(n) or (preferred or {}).get(chunk.chunk_id)
                or _best_sentence(chunk, claims[n] + " " + query.topic, tokenizer))
        citations.append(Citation(n, chunk, corpus_text[chunk.doc_id][s:e], s, e))
    speakers = tuple(dict.fromkeys(c.chunk.speaker for c in citations))
    return Checked("".join(out).strip(), tuple(citations), speakers, tuple(dict.fromkeys(notices)))


def _numbers(markers: str) -> list[int]:
    return [int(d) for d in re.findall(r"\d+", markers)]


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _normal(text: str) -> tuple[str, list[int]]:
    """Letters and digits only, simplified and lower-cased, with each one's index in `text`."""
    simp = to_simplified(text)
    if len(simp) != len(text):  # a phrase conversion changed the length: compare as written
        simp = text
    keep = [(ch, i) for i, ch in enumerate(simp.lower()) if ch.isalnum()]
    return "".join(ch for ch, _ in keep), [i for _, i in keep]


def _locate(words: str, chunk) -> tuple[int, int] | None:
    """Corpus offsets of `words` in the chunk, ignoring punctuation, spacing, script and
    markers; an ellipsis may skip text between the quoted pieces."""
    norm, index = _normal(chunk.text)
    pieces = [_normal(_MARKERS.sub("", p))[0] for p in _ELLIPSIS.split(words)]
    pieces = [p for p in pieces if p]
    if not pieces:
        return None
    at, first = 0, None
    for p in pieces:
        k = norm.find(p, at)
        if k < 0:
            return None
        first = k if first is None else first
        at = k + len(p)
    return chunk.start + index[first], chunk.start + index[at - 1] + 1


def _best_sentence(chunk, about: str, tokenizer: Tokenizer | None) -> tuple[int, int]:
    """The chunk's sentence that shares most with the claim and the question (first on ties)."""
    spans = [sp for sp in (trim_quote_marks(chunk.text, s, e) for s, e in sentences(chunk.text))
             if sp[1] > sp[0]]
    if not spans:
        return chunk.start, chunk.end
    if tokenizer is not None:
        want = set(tokenizer.query_tokens(about))
        def score(sp): return len(want & set(tokenizer.tokens(chunk.text[sp[0]:sp[1]])))
    else:
        want = bigrams(to_simplified(about).lower())
        def score(sp): return len(want & bigrams(to_simplified(chunk.text[sp[0]:sp[1]]).lower()))
    s, e = max(spans, key=lambda sp: (score(sp), -sp[0]))
    return chunk.start + s, chunk.start + min(e, s + MAX_QUOTE)
