"""HTML and chat markdown for the front end: answers with citation links, source cards, transcript.

Pure functions of records and corpus text. Every piece of text from a user, the corpus or the
pipeline is escaped here, so the app never hands raw text to a component that renders HTML.
The app's style sheet and link script are rag/static/app.css and app.js, read here once.
"""
from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.edition import Edition
from index.parse import Paragraph, heading, is_anchor
from index.records import EDITOR, Passage, stable_id
from rag.records import Answer, Citation, Hit

# What each passage kind is called in the UI.
KIND_LABELS = {
    "talk": "talk · 演讲",
    "talk_summary": "talk, editor's summary · 演讲摘要",
    "roundtable": "round table · 圆桌",
    "moderator_question": "moderator's question · 主持人提问",
    "summary_quote": "summary, quoted · 摘要引语",
    "summary_report": "summary, reported · 摘要转述",
    "narration": "article · 文章叙述",
    "introduction": "introduction · 人物介绍",
    "heading": "heading · 标题",
}

ParagraphsOf = Callable[[str], Sequence[Paragraph]]

_MARKER = re.compile(r"\[(\d{1,3})\]")

@dataclass(frozen=True)
class People:
    """How each speaker is shown: a colour slot for the badge and the English name."""
    slots: Mapping[str, int]
    english: Mapping[str, str]

    @classmethod
    def of(cls, speakers: Iterable) -> "People":
        """From `Speaker` records (name, en), in the order of the speakers file."""
        speakers = list(speakers)
        return cls({s.name: i for i, s in enumerate(speakers)}, {s.name: s.en for s in speakers})


@dataclass(frozen=True)
class Titles:
    """How documents are named on citations and source cards: by title, and only when the
    corpus has more than one (with one document nothing is added)."""
    by_doc: Mapping[str, str]

    @classmethod
    def of(cls, documents: Mapping) -> "Titles":
        """From {doc_id: Document}, labelled as `document_choices` labels them."""
        return cls({doc_id: label for label, doc_id in document_choices(documents)})

    def name(self, doc_id: str) -> str:
        """The document's title, or "" in a corpus of one document."""
        return self.by_doc.get(doc_id, doc_id) if len(self.by_doc) > 1 else ""


def document_choices(documents: Mapping) -> list[tuple[str, str]]:
    """(label, doc_id) for each document, in corpus order: its title, with the id after a
    title that two documents share (so the choices can be told apart)."""
    shared = Counter(d.title for d in documents.values())
    return [(d.title if shared[d.title] == 1 else f"{d.title} · {doc_id}", doc_id)
            for doc_id, d in documents.items()]


def speaker_choices(speakers: Iterable, names: Collection[str] | None = None) -> list[tuple[str, str]]:
    """(label, name) for a speaker filter, in the order of the speakers file: the name, and
    its English form when it differs; with `names`, only those people."""
    return [(s.name if s.en == s.name else f"{s.name} · {s.en}", s.name)
            for s in speakers if names is None or s.name in names]


def esc(text: str) -> str:
    """Text for an HTML element or attribute."""
    return html.escape(text, quote=True)


def text_html(text: str) -> str:
    """Text as HTML that keeps its line breaks and contains no newline.

    Chat messages are markdown; a message that is one HTML block (`<div>` with no blank line
    inside) is passed through without markdown parsing, so `*`, `_`, `[x](y)` and URLs in a
    question or a quote are shown exactly as written.
    """
    return esc(text).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def question_html(text: str) -> str:
    """A user's question for the chat: shown as typed, never interpreted as HTML or markdown."""
    return f'<div class="q">{text_html(text)}</div>'


def anchor_id(doc_id: str, start: int) -> str:
    """The transcript anchor of the paragraph starting at `start` in `doc_id` (stable, HTML-safe)."""
    slug = re.sub(r"[^A-Za-z0-9_-]", "_", doc_id)
    if slug != doc_id:  # keep ids of differently spelled documents apart
        slug += "_" + stable_id(doc_id)[:6]
    return f"t-{slug}-{start}"


def source_id(turn: int, n: int) -> str:
    """The id of source card [n] of the answer to question number `turn` (1-based)."""
    return f"src-{turn}-{n}"


def badge(name: str, people: People) -> str:
    slot = people.slots.get(name, len(people.slots))
    english = people.english.get(name, name)
    title = f' title="{esc(english)}"' if english != name else ""
    return f'<span class="badge sp-{slot}"{title}>{esc(name)}</span>'


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def doc_tag(doc_id: str, titles: Titles | None) -> str:
    """The document a passage comes from, as a tag ("" in a corpus of one document)."""
    title = titles.name(doc_id) if titles else ""
    return f'<span class="doc" title="{esc(doc_id)}">{esc(title)}</span>' if title else ""


def transcript_link(doc_id: str, start: int, text: str) -> str:
    """A link to a transcript paragraph; `data-doc` lets the page open that document first."""
    return (f'<a class="to-transcript" href="#{anchor_id(doc_id, start)}" data-doc="{esc(doc_id)}">'
            f"{esc(text)}</a>")


# ------------------------------------------------------------------ the chat

def answer_html(text: str, turn: int, cited: Collection[int] | None = None,
                names: Mapping[int, str] | None = None) -> str:
    """The answer for the chat: escaped, each marker [n] a link to its source card.

    `cited` is the set of citation numbers; None while streaming (every marker becomes a link).
    `names` ({n: document title}) gives a marker's link a tooltip naming its document.
    """
    names = names or {}
    out, pos = [], 0
    for m in _MARKER.finditer(text):
        n = int(m.group(1))
        if cited is not None and n not in cited:
            continue
        out.append(text_html(text[pos:m.start()]))
        tip = f' title="{esc(names[n])}"' if names.get(n) else ""
        out.append(f'<a class="cite" href="#{source_id(turn, n)}"{tip}>[{n}]</a>')
        pos = m.end()
    out.append(text_html(text[pos:]))
    return '<div class="answer">' + "".join(out) + "</div>"


def answer_message(answer: Answer, turn: int, people: People, titles: Titles | None = None) -> str:
    """The whole assistant message: the linked answer, then who it attributes to, which
    documents its citations come from (in a corpus of several), and any notes."""
    names = {c.n: titles.name(c.chunk.doc_id) for c in answer.citations} if titles else {}
    body = answer_html(answer.answer, turn, {c.n for c in answer.citations}, names)
    meta = []
    if answer.speakers:
        meta.append('<span class="meta-label">Speakers · 发言人</span> '
                    + " ".join(badge(s, people) for s in answer.speakers))
    if any(names.values()):
        meta.append(cited_documents(answer.citations, turn, titles))
    if answer.rewritten.strip() and answer.rewritten.strip() != answer.question.strip():
        meta.append(f'<span class="note">Understood as · 理解为：{esc(answer.rewritten)}</span>')
    for notice in answer.notices:
        meta.append(f'<span class="note">{esc(notice)}</span>')
    if not meta:
        return body
    return body + '<div class="answer-meta">' + "<br>".join(meta) + "</div>"


def cited_documents(citations: Sequence[Citation], turn: int, titles: Titles) -> str:
    """'Documents · 文档 [1][3] title A [2] title B': each document the answer cites, in the
    order it is first cited, after the numbers of its citations (links to their cards)."""
    by_doc: dict[str, list[int]] = {}
    for c in citations:
        by_doc.setdefault(c.chunk.doc_id, []).append(c.n)
    parts = ["".join(f'<a class="cite" href="#{source_id(turn, n)}">[{n}]</a>' for n in ns)
             + " " + doc_tag(doc_id, titles) for doc_id, ns in by_doc.items()]
    return '<span class="meta-label">Documents · 文档</span> ' + " ".join(parts)


def error_message(text: str) -> str:
    return f'<div class="error">{text_html(text)}</div>'


# ------------------------------------------------------------------ the source panel

def highlight(source: str, start: int, end: int, quote: tuple[int, int],
              focus: tuple[int, int] | None = None) -> str:
    """source[start:end], escaped, with the quote's characters in <mark> and, when `focus` is
    given, the characters outside it (context around the cited passage) in <span class="ctx">."""
    focus = focus or (start, end)
    cuts = sorted({start, end, *(min(max(x, start), end) for x in (*quote, *focus))})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = esc(source[a:b])
        if quote[0] <= a and b <= quote[1]:
            out.append(f"<mark>{piece}</mark>")
        elif focus[0] <= a and b <= focus[1]:
            out.append(piece)
        else:
            out.append(f'<span class="ctx">{piece}</span>')
    return "".join(out)


def paragraphs_around(paragraphs: Sequence[Paragraph], start: int, end: int) -> list[Paragraph]:
    """The paragraphs that overlap source[start:end] (a passage may span several)."""
    starts = [p.start for p in paragraphs]
    i = max(bisect.bisect_right(starts, start) - 1, 0)
    out = []
    for p in paragraphs[i:]:
        if p.start >= end and out:
            break
        if p.end > start and p.start < end:
            out.append(p)
    return out


TRANSLATED = "English (translated) · 英译"


def source_card(citation: Citation, turn: int, source: str, paragraphs: Sequence[Paragraph],
                people: People, titles: Titles | None = None) -> str:
    """One cited passage: number, speaker badge, kind, document (in a corpus of several),
    section, its full paragraphs with the quote marked, the English rendering of the quote
    when the answer has one, and a link to the quote's paragraph in the transcript tab."""
    c = citation.chunk
    paras = paragraphs_around(paragraphs, c.start, c.end) or [
        Paragraph(c.start, c.end, c.text, 0, c.para)]
    body = "".join(
        f"<p>{highlight(source, p.start, p.end, (citation.start, citation.end), (c.start, c.end))}</p>"
        for p in paras)
    # the transcript link lands on the paragraph that holds the quote
    at = next((p for p in paras if p.start <= citation.start < p.end), paras[0])
    sid = source_id(turn, citation.n)
    return (f'<article class="src" id="{sid}">'
            f'<header><a class="src-n" href="#{sid}">[{citation.n}]</a> {badge(c.speaker, people)} '
            f'<span class="kind">{esc(kind_label(c.kind))}</span>{doc_tag(c.doc_id, titles)}'
            f'<span class="section">{esc(c.section)}</span></header>'
            f'<div class="src-text">{body}</div>'
            f"{rendering_html(citation.quote_en)}"
            f"<footer>{transcript_link(c.doc_id, at.start, 'Open in transcript · 在全文中查看')}</footer>"
            f"</article>")


def rendering_html(text: str) -> str:
    """The English rendering of a quote, under its original and labelled as a translation."""
    if not text.strip():
        return ""
    return (f'<div class="src-en" lang="en"><span class="src-en-label">{TRANSLATED}</span>'
            f"<p>{esc(text.strip())}</p></div>")


def hit_row(hit: Hit, paragraphs: Sequence[Paragraph], people: People, cited: Collection[str],
            titles: Titles | None = None) -> str:
    """A retrieved passage in the compact list under the cards, linked to its transcript place."""
    c = hit.chunk
    around = paragraphs_around(paragraphs, c.start, c.end)
    snippet = c.text if len(c.text) <= 90 else c.text[:90] + "…"
    mark = ' class="cited"' if c.chunk_id in cited else ""
    return (f'<li{mark}><span class="rank">#{hit.rank}</span> {badge(c.speaker, people)} '
            f'<span class="kind">{esc(kind_label(c.kind))}</span>{doc_tag(c.doc_id, titles)} '
            f"{transcript_link(c.doc_id, around[0].start if around else c.start, snippet)}</li>")


def answer_sources(answer: Answer, turn: int, texts: Mapping[str, str], paragraphs_of: ParagraphsOf,
                   people: People, titles: Titles | None = None) -> str:
    """Every card of one answer, then the retrieved passages it did not cite."""
    if not answer.citations:
        cards = ('<p class="empty">No passage of the transcript is relevant enough to answer this; '
                 "nothing is cited. · 全文中没有足够相关的段落，未引用任何内容。</p>")
    else:
        cards = "".join(source_card(c, turn, texts[c.chunk.doc_id], paragraphs_of(c.chunk.doc_id), people,
                                    titles) for c in answer.citations)
    if not answer.hits:
        return cards
    cited = {c.chunk.chunk_id for c in answer.citations}
    rows = "".join(hit_row(h, paragraphs_of(h.chunk.doc_id), people, cited, titles) for h in answer.hits)
    return (cards + f'<details class="hits"><summary>Retrieved passages · 检索到的段落 '
            f"({len(answer.hits)})</summary><ol>{rows}</ol></details>")


def sources_panel(turns: Sequence[tuple[int, Answer]], texts: Mapping[str, str],
                  paragraphs_of: ParagraphsOf, people: People, titles: Titles | None = None) -> str:
    """The panel beside the chat: the latest answer's sources open, earlier ones folded."""
    if not turns:
        return ('<div class="sources"><p class="empty">Sources of the latest answer appear here: '
                "each cited passage in full, the quoted words highlighted. · "
                "最新回答引用的原文段落会显示在这里。</p></div>")
    turn, latest = turns[-1]
    parts = [f'<div class="sources" data-turn="{turn}">',
             f'<p class="for-q">Sources for · 来源：<q>{esc(latest.question)}</q></p>',
             answer_sources(latest, turn, texts, paragraphs_of, people, titles)]
    for turn, earlier in reversed(turns[:-1]):
        parts.append(f'<details class="earlier"><summary>Earlier · 之前：<q>{esc(earlier.question)}</q>'
                     f"</summary>{answer_sources(earlier, turn, texts, paragraphs_of, people, titles)}</details>")
    parts.append("</div>")
    return "".join(parts)


# ------------------------------------------------------------------ the transcript

# Said of any edition: what it is made from is in its own file, not known here.
EDITION_NOTE = ("English edition (translated) beside the original, paragraph by paragraph; "
                "the original is the source. · 英文译本与原文逐段对照，以原文为准。")


def transcript_html(passages: Sequence[Passage], texts: Mapping[str, str], paragraphs_of: ParagraphsOf,
                    people: People, only: Collection[str] | None = None,
                    editions: Mapping[str, Edition] | None = None) -> str:
    """The whole transcript, paragraph by paragraph, each with its speakers and anchor.

    With `only`, paragraphs of other speakers are rendered `hidden` (so a link from a source
    card can still reveal one) and headings of sections with nothing shown are hidden too.
    With `editions` ({doc_id: Edition}), each paragraph and heading also shows the edition's
    rendering of it (`lang` set), beside the original; ids and anchors stay the same.
    """
    by_para: dict[tuple[str, int], list[Passage]] = {}
    for p in passages:
        by_para.setdefault((p.doc_id, p.para), []).append(p)
    editions = editions or {}
    shown_editions = [d for d in texts if d in editions]
    out = ['<div class="transcript bilingual">' if shown_editions else '<div class="transcript">']
    if shown_editions:
        out.append(f'<p class="t-note">{esc(EDITION_NOTE)}</p>')
    for doc_id in texts:
        if len(texts) > 1:
            out.append(f'<h2 class="t-doc">{esc(doc_id)}</h2>')
        edition = editions.get(doc_id)
        rows: list[tuple[int, bool, str, str]] = []  # (heading level or 0, shown, anchor, inner html)
        for para in paragraphs_of(doc_id):
            parts = by_para.get((doc_id, para.index), [])
            if not parts and is_anchor(para.text):   # an imported file's timestamp: not shown
                continue
            anchor = anchor_id(doc_id, para.start)
            rendering = edition.rendering(para.start, para.end).strip() if edition else ""
            if parts and all(p.kind == "heading" for p in parts):
                level, title = heading(para.text)
                title = esc(title)
                if rendering:
                    title += f' <span class="t-en" lang="{esc(edition.lang)}">{esc(heading(rendering)[1])}</span>'
                rows.append((level or 4, True, anchor, title))   # a bare heading: level 4
                continue
            speakers = list(dict.fromkeys(p.speaker for p in parts)) or [EDITOR]
            kinds = list(dict.fromkeys(kind_label(p.kind) for p in parts))
            shown = only is None or any(s in only for s in speakers)
            meta = (f'<a class="t-anchor" href="#{anchor}" title="line {para.line}">¶{para.index + 1}</a> '
                    + " ".join(badge(s, people) for s in speakers)
                    + "".join(f' <span class="kind">{esc(k)}</span>' for k in kinds))
            body = f"<p>{esc(para.text)}</p>"
            if rendering:
                body += f'<p class="t-en" lang="{esc(edition.lang)}">{esc(rendering)}</p>'
            rows.append((0, shown, anchor, f'<div class="t-meta">{meta}</div>{body}'))
        for i, (level, shown, anchor, inner) in enumerate(rows):
            if level and only is not None:
                shown = _section_shown(rows[i + 1:], level)
            hidden = "" if shown else " hidden"
            if level:
                out.append(f'<div class="t-heading t-h{min(level, 4)}" id="{anchor}"{hidden}>{inner}</div>')
            else:
                out.append(f'<div class="t-para" id="{anchor}"{hidden}>{inner}</div>')
    out.append("</div>")
    return "".join(out)


def _section_shown(rest: Sequence[tuple[int, bool, str, str]], level: int) -> bool:
    """Whether any paragraph is shown before the next heading of the same or a higher level."""
    for level2, shown2, _, _ in rest:
        if level2 and level2 <= level:
            return False
        if not level2 and shown2:
            return True
    return False


# ------------------------------------------------------------------ style and behaviour

CJK_FONTS = ("Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "sans-serif")

_STATIC = Path(__file__).parent / "static"
CSS = (_STATIC / "app.css").read_text(encoding="utf-8")

# Citation markers, source numbers and transcript links are same-page anchors; the chat's
# markdown and the tabs would not follow them, so one capture listener does: it switches to
# the right tab, chooses the link's document in the transcript tab, opens folded earlier
# answers, reveals a filtered-out paragraph, scrolls the target into view and marks it `.targeted`.
JS = (_STATIC / "app.js").read_text(encoding="utf-8")
