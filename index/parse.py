"""Transcript file -> attributed passages, each with speaker, section, kind and exact offsets.

The accepted format (see README, "Adding a transcript"):
- `## Heading` starts a section, `### Heading` a subsection; a short standalone line with no
  punctuation inside an article section is a subsection heading too (`笨笨的坚持`).
- A section headed by a speaker's name (`## 唐杰`) is that person's talk; if its first paragraph
  names the speaker in the third person, it is an editor's summary of the talk.
- A section containing turns (`姚顺雨：…`, a known speaker, then a full-width or ASCII colon) is
  a conversation: unlabelled paragraphs continue the last speaker; before the first turn,
  paragraphs are the moderator's questions.
- Any other section is article text: quotes 「…」 belong to the person named in their lead-in
  (`唐杰直言：「`) or tail (`」唐杰总结道`), otherwise to the last person named in the subsection;
  reported speech (`他透露…`) is the person's, in the editor's words; the rest is the editor's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from index.records import EDITOR, Passage
from index.speakers import Speakers


class ParseError(ValueError):
    """A transcript that cannot be parsed; the message names the file and line."""


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    text: str
    line: int
    index: int


SENTENCE_END = "。！？!?"
_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_URL = re.compile(r"^(https?://\S+)$")
_COMMENT = re.compile(r"^<!--.*-->$", re.S)  # an anchor (`<!-- 00:01:02.500 -->`): nobody's words
_REPORT_VERBS = ("透露", "认为", "指出", "表示", "强调", "提到", "坦言", "预计", "判断", "估计",
                 "承认", "提出", "分享", "观察到", "点出", "关注", "解释")
_PRONOUN = r"(?:他|她)"
_TAIL = re.compile(r"^\s*(?P<who>他|她|[^\s，。！？「」]{2,4}?)(?:也|还|则|最后)?"
                   r"(?:补充道|总结道|说道|表示|强调|说)[，。,.]?\s*$")
_INTRO_MAX = 30


def read_transcript(path: Path) -> str:
    """The file as text; a non-UTF-8 file is refused with the line of the first bad byte."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ParseError(f"{path}:{line}: not valid UTF-8 (byte {err.start}); "
                         "save the transcript as UTF-8") from None
    if text.startswith("\ufeff"):
        raise ParseError(f"{path}:1: starts with a byte-order mark; save it as UTF-8 without BOM")
    return text


def paragraphs(text: str) -> list[Paragraph]:
    """Blocks separated by blank lines, with their character offsets and first line."""
    out = []
    for m in re.finditer(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*", text):
        block = m.group(0)
        lead = len(block) - len(block.lstrip())
        start, end = m.start() + lead, m.start() + len(block.rstrip())
        out.append(Paragraph(start, end, text[start:end], text.count("\n", 0, start) + 1, len(out)))
    return out


def parse_transcript(path: Path, speakers: Speakers, doc_id: str | None = None,
                     moderators: tuple[str, ...] | None = None) -> list[Passage]:
    """Parse one transcript file into passages; raises ParseError naming file and line."""
    path = Path(path)
    text = read_transcript(path)
    return parse_text(text, speakers, doc_id or path.stem, str(path), moderators)


def is_anchor(text: str) -> bool:
    """A paragraph that is an anchor comment (`<!-- 00:01:02.500 -->`): skipped, nobody's words."""
    return bool(_COMMENT.match(text))


def parse_text(text: str, speakers: Speakers, doc_id: str, origin: str = "<text>",
               moderators: tuple[str, ...] | None = None) -> list[Passage]:
    """Passages of one document. `moderators` ask the unlabelled opening questions of its
    conversations; by default, those the speakers file marks who take a turn in this text."""
    paras = [p for p in paragraphs(text) if not is_anchor(p.text)]
    if not paras:
        raise ParseError(f"{origin}:1: the transcript is empty")
    if moderators is None:
        from index.documents import describe
        moderators = describe(doc_id, text, {}, speakers).moderators
    parser = _Parser(text, speakers, doc_id, origin, tuple(moderators))
    for section in _sections(paras):
        parser.section(section)
    if not any(p.speaker != EDITOR for p in parser.out):
        raise ParseError(f"{origin}:1: no recognisable speaker: no `## Name` talk, no `Name：` turn "
                         "and no attributed quote of anyone in corpus/speakers.json")
    return sorted(parser.out, key=lambda p: p.start)


def heading(text: str) -> tuple[int, str]:
    """A heading line's level and title without its Markdown marks ("## 唐杰" -> (2, "唐杰"));
    (0, the text trimmed) for any other line, a bare heading ("笨笨的坚持") included."""
    m = _HEADING.match(text)
    return (len(m.group(1)), m.group(2)) if m else (0, text.strip())


def _sections(paras: list[Paragraph]) -> list[list[Paragraph]]:
    """Split at level-1/2 headings; each section starts with its heading paragraph (if any)."""
    sections: list[list[Paragraph]] = [[]]
    for p in paras:
        m = _HEADING.match(p.text)
        if m and len(m.group(1)) <= 2 and sections[-1]:
            sections.append([])
        sections[-1].append(p)
    return [s for s in sections if s]


class _Parser:
    def __init__(self, text: str, speakers: Speakers, doc_id: str, origin: str, moderators: tuple[str, ...]):
        self.text, self.sp, self.doc_id, self.origin = text, speakers, doc_id, origin
        self.moderators = moderators
        self.labels = speakers.label_pattern()
        self.out: list[Passage] = []

    def emit(self, speaker: str, section: str, kind: str, start: int, end: int, para: Paragraph):
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        if start < end:
            line = self.text.count("\n", 0, start) + 1
            self.out.append(Passage(self.doc_id, speaker, section, kind, self.text[start:end],
                                    start, end, line, para.index))

    def section(self, paras: list[Paragraph]) -> None:
        head = _HEADING.match(paras[0].text)
        title = head.group(2) if head else ""
        if head:
            self.emit(EDITOR, title, "heading", paras[0].start, paras[0].end, paras[0])
            paras = paras[1:]
        talker = self._talk_speaker(title)
        if talker:
            self._talk(talker, title, paras)
        elif any(self._turn(p, conversation=False) for p in paras):
            self._conversation(title, paras)
        else:
            self._article(title, paras)

    def _talk_speaker(self, title: str) -> str | None:
        m = self.labels.match(title + "：")
        if m and title[m.end(1):].strip() == "":
            return self.sp.label_speaker(m.group(1))
        m = re.match(r"^(.+?)\s*[：:—\-|｜]", title)
        return self.sp.person(m.group(1)) if m else None

    def _talk(self, speaker: str, title: str, paras: list[Paragraph]) -> None:
        summary = bool(paras) and any(n == speaker for _, _, n in self.sp.names_in(paras[0].text))
        for p in paras:
            if self._subheading(p):
                continue
            self.emit(speaker, title, "talk_summary" if summary else "talk", p.start, p.end, p)

    def _subheading(self, p: Paragraph) -> bool:
        """A `### Heading` inside a talk or conversation: a heading passage, nobody's words."""
        head = _HEADING.match(p.text)
        if head:
            self.emit(EDITOR, head.group(2), "heading", p.start, p.end, p)
        return bool(head)

    def _turn(self, p: Paragraph, conversation: bool) -> tuple[str, int] | None:
        """(speaker, body start) if the paragraph opens with a speaker's label."""
        m = self.labels.match(p.text)
        if not m:
            if conversation:
                self._check_unknown_label(p)
            return None
        body = p.text[m.end():].strip()
        if not conversation and len(body) <= _INTRO_MAX and not any(c in body for c in SENTENCE_END):
            return None  # `唐杰：清华大学教授，智谱创始人` introduces a person
        return self.sp.label_speaker(m.group(1)), p.start + m.end()

    def _check_unknown_label(self, p: Paragraph) -> None:
        m = re.match(r"^([\u4e00-\u9fff]{2,4}|[A-Z][a-z]+(?: [A-Z][a-z]+){0,2})\s*[：:]\s*(\S.*)", p.text, re.S)
        if (m and len(m.group(2)) >= 8 and not m.group(2).startswith("「")
                and not self.sp.names_in(m.group(1))):
            raise ParseError(f"{self.origin}:{p.line}: `{m.group(1)}：` looks like a turn of a speaker "
                             "who is not in corpus/speakers.json; add them (name and aliases)")

    def _conversation(self, title: str, paras: list[Paragraph]) -> None:
        current = None
        for p in paras:
            if self._subheading(p):
                continue
            turn = self._turn(p, conversation=True)
            if turn:
                current, body = turn
            else:
                body = p.start
            # Before the first turn: the document's moderator asking, or (with none) the narration.
            speaker = current or (self.moderators[0] if self.moderators else EDITOR)
            kind = ("moderator_question" if speaker in self.moderators
                    else "roundtable" if current else "narration")
            self.emit(speaker, title, kind, body, p.end, p)

    def _article(self, title: str, paras: list[Paragraph]) -> None:
        block: list[Paragraph] = []
        sub = title
        for p in paras:
            head = _HEADING.match(p.text)
            if head or _is_bare_heading(p.text):
                self._article_block(sub, block)
                block = []
                sub = head.group(2) if head else p.text.strip()
                self.emit(EDITOR, sub, "heading", p.start, p.end, p)
            elif _URL.match(p.text.strip()):
                self.emit(EDITOR, sub, "heading", p.start, p.end, p)
            elif self._turn(p, conversation=False) is None and self.labels.match(p.text):
                self.emit(EDITOR, sub, "introduction", p.start, p.end, p)
            else:
                block.append(p)
        self._article_block(sub, block)

    def _article_block(self, section: str, block: list[Paragraph]) -> None:
        """One subsection of article text: split into narration, quotes and reported speech."""
        if not block:
            return
        last_named: str | None = None
        units = _units(self.text, block)
        i = 0
        while i < len(units):
            start, end, is_quote, para = units[i]
            piece = self.text[start:end]
            if is_quote:
                speaker = last_named or EDITOR
                j = i + 1
                tail = self._tail(units, j)
                if tail:
                    end, who = tail
                    speaker = who or speaker
                    last_named = speaker if speaker != EDITOR else last_named
                    j += 1
                self.emit(speaker, section, "summary_quote", start, end, para)
                i = j
                continue
            names = self.sp.names_in(piece)
            if names:
                last_named = names[-1][2]
            nxt = units[i + 1] if i + 1 < len(units) else None
            if nxt and nxt[2] and nxt[3] is para and piece.rstrip()[-1:] in "：:，,":
                # A lead-in (`唐杰直言：`) belongs with its quote.
                speaker = last_named or EDITOR
                j = i + 2
                qend = nxt[1]
                tail = self._tail(units, j)
                if tail:
                    qend, who = tail
                    speaker = who or speaker
                    j += 1
                self.emit(speaker, section, "summary_quote", start, qend, para)
                i = j
                continue
            reporter = self._reporter(piece, last_named)
            if reporter:
                self.emit(reporter, section, "summary_report", start, end, para)
            else:
                self.emit(EDITOR, section, "narration", start, end, para)
            i += 1
        self._merge_narration()

    def _tail(self, units, j):
        """`」他补充道，` after a quote: (end offset, named speaker or None)."""
        if j < len(units) and not units[j][2]:
            piece = self.text[units[j][0]:units[j][1]]
            m = _TAIL.match(piece)
            if m:
                who = m.group("who")
                return units[j][1], (None if who in ("他", "她") else self.sp.person(who))
        return None

    def _reporter(self, sentence: str, last_named: str | None) -> str | None:
        """The person whose content a reported-speech sentence gives (`他透露…`), else None."""
        verbs = "|".join(_REPORT_VERBS)
        m = re.match(rf"^\s*(?P<who>{_PRONOUN}|{self.sp.name_pattern})(?:也|还|则|更|特别|随即)?(?:{verbs})",
                     sentence, re.IGNORECASE)
        if not m:
            return None
        who = m.group("who")
        return last_named if who in ("他", "她") else self.sp.person(who)

    def _merge_narration(self) -> None:
        """Adjacent narration sentences of one paragraph become one passage."""
        merged: list[Passage] = []
        for p in self.out:
            prev = merged[-1] if merged else None
            if (prev and prev.kind == p.kind == "narration" and prev.para == p.para
                    and prev.doc_id == p.doc_id and prev.section == p.section):
                merged[-1] = Passage(prev.doc_id, prev.speaker, prev.section, prev.kind,
                                     self.text[prev.start:p.end], prev.start, p.end, prev.line, prev.para)
            else:
                merged.append(p)
        self.out = merged


def _is_bare_heading(text: str) -> bool:
    """`笨笨的坚持`: a short standalone line without punctuation."""
    t = text.strip()
    return 0 < len(t) <= 20 and "\n" not in t and not re.search(r"[。！？，、：；「」“”,.!?:;()（）]", t)


def _units(text: str, block: list[Paragraph]) -> list[tuple[int, int, bool, Paragraph]]:
    """Sentences and speech quotes of a block: (start, end, is_quote, paragraph it starts in).

    A quote runs to its closing 」, across paragraphs if need be. A 「term」 inside a sentence
    (not after a colon, comma or sentence end) is part of the sentence, not speech.
    """
    units = []
    pi = 0
    pos = block[0].start
    limit = block[-1].end
    sent_start = None
    while pos < limit:
        while pi + 1 < len(block) and pos >= block[pi + 1].start:
            pi += 1
        para = block[pi]
        if pos >= para.end:  # between paragraphs: close any open sentence
            if sent_start is not None:
                units.append((sent_start, para.end, False, para))
                sent_start = None
            pos = block[pi + 1].start if pi + 1 < len(block) else limit
            continue
        ch = text[pos]
        if ch == "「" and _is_speech(text, pos, para):
            if sent_start is not None and text[sent_start:pos].strip():
                units.append((sent_start, pos, False, para))
            sent_start = None
            close = text.find("」", pos)
            close = limit if close < 0 or close >= limit else close + 1
            units.append((pos, close, True, para))
            pos = close
            continue
        if ch == "「":  # a term: skip to its close inside the sentence
            close = text.find("」", pos, para.end)
            if sent_start is None:
                sent_start = pos
            pos = close + 1 if close >= 0 else pos + 1
            continue
        if sent_start is None:
            if ch.isspace():
                pos += 1
                continue
            sent_start = pos
        pos += 1
        if ch in SENTENCE_END:
            units.append((sent_start, pos, False, para))
            sent_start = None
    if sent_start is not None:
        units.append((sent_start, limit, False, block[-1]))
    return units


def _is_speech(text: str, pos: int, para: Paragraph) -> bool:
    """A 「 opens speech after a colon, comma, sentence end or paragraph start, and is long."""
    before = text[para.start:pos].rstrip()
    close = text.find("」", pos)
    inner = text[pos + 1: close if close >= 0 else len(text)]
    long_enough = len(inner) >= 8 or any(c in inner for c in SENTENCE_END + "，")
    return long_enough and (not before or before[-1] in "：:，,。！？!?")
