"""Small text helpers shared by the extractive composer (rag.compose) and the LLM's citation
check (rag.llm_check)."""
from __future__ import annotations

from index.sentences import CLOSING_QUOTES, OPENING_QUOTES, trim_quote_marks  # noqa: F401  (re-exported)


def letters(text: str) -> str:
    """The letters and digits of a text, punctuation and spaces dropped (what two renderings of
    one sentence, or a title and a question quoting it, share)."""
    return "".join(ch for ch in text if ch.isalnum())


def places(text: str, part: str):
    """Where `part` starts in `text`, each place in order (overlapping ones included)."""
    at = text.find(part)
    while at >= 0:
        yield at
        at = text.find(part, at + 1)


def bigrams(text: str) -> set[str]:
    """Every pair of adjacent characters: a tokenizer-free measure of overlap."""
    return {text[i:i + 2] for i in range(len(text) - 1)}


def quoted_phrases(text: str) -> list[str]:
    """What a text puts in quotation marks: “结构性冷静”这个说法 -> ["结构性冷静"]."""
    out, inside = [], None
    for ch in text:
        if inside is None:
            if ch in OPENING_QUOTES:
                inside = ""
        elif ch in CLOSING_QUOTES:
            if inside.strip():
                out.append(inside.strip())
            inside = None
        else:
            inside += ch
    return out


PAIRS = ("“”", "「」", "『』")


def unpaired_marks_trimmed(text: str) -> str:
    """A sentence cut out of a longer quotation without the opening or closing mark it has no
    partner for (“…can't.” alone is …can't.), so that the answer's own marks are not doubled.
    Only a mark at either end goes: an unpaired one inside stays (rare, and harmless)."""
    text = text.strip()
    for opening, closing in PAIRS:
        if text.count(opening) > text.count(closing) and text.startswith(opening):
            text = text[1:]
        elif text.count(closing) > text.count(opening) and text.rstrip().endswith(closing):
            text = text.rstrip()[:-1]
    if text.count('"') % 2 and (text.startswith('"') or text.rstrip().endswith('"')):
        text = text[1:] if text.startswith('"') else text.rstrip()[:-1]
    return text
