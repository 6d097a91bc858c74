"""Composition: the answer's text, the people it attributes to and its citations, written from
quotes in the user's language (rag.wording). The plans (rag.plans) decide what to quote."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from index.records import EDITOR
from index.speakers import Speakers
from rag.evidence import MAX_QUOTE, Quote  # noqa: F401  (MAX_QUOTE is the LLM check's bound too)
from rag.records import Citation
from rag.text import unpaired_marks_trimmed
from rag.wording import say

REPORTED = ("summary_report", "talk_summary")


@dataclass(frozen=True)
class Composition:
    text: str
    speakers: tuple[str, ...]
    citations: tuple[Citation, ...]
    abstained: bool


@dataclass
class Draft:
    """An answer being written: lines, and the citations numbered as they are added."""
    lang: str
    speakers: Speakers
    render: Callable[[Quote], str] | None = None   # the quote in the reader's language, if an edition has it
    lines: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    order: list[str] = field(default_factory=list)

    def line(self, text: str) -> "Draft":
        self.lines.append(text)
        return self

    def quote(self, quote: Quote, also: tuple[Quote, ...] = (), bullet: bool = False) -> "Draft":
        """A quote line with its citation (and the citations of quotes that say the same)."""
        cites = []
        rendered = [self.render(q) if self.render else "" for q in (quote, *also)]
        for q, r in zip((quote, *also), rendered):
            n = len(self.citations) + 1
            self.citations.append(q.citation(n, r))
            cites.append(f"[{n}]")
            if q.chunk.speaker not in self.order:
                self.order.append(q.chunk.speaker)
        c = quote.chunk
        key = ("article" if c.speaker == EDITOR else "reported" if c.kind in REPORTED
               else "asked" if c.kind == "moderator_question" else "said")
        if rendered[0]:
            key += "_translated"
        shown = unpaired_marks_trimmed(rendered[0]) if rendered[0] else quote.text
        text = say(self.lang, key, name=self.name(c.speaker), quote=shown,
                   cite="".join(cites))
        return self.line(say(self.lang, "bullet", line=text) if bullet else text)

    def name(self, speaker: str) -> str:
        """How the answer names a person: canonical, with the English name in English."""
        s = self.speakers.by_name.get(speaker)
        if self.lang != "en" or s is None:
            return speaker
        return "the article" if s.editor else f"{s.en} ({s.name})"

    def done(self, abstained: bool = False, speakers: tuple[str, ...] | None = None) -> Composition:
        who = tuple(self.order) if speakers is None else speakers
        return Composition("\n".join(self.lines), who, tuple(self.citations), abstained)
