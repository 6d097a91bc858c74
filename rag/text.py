"""Small text helpers shared by the extractive composer (rag.compose) and the LLM's citation
check (rag.llm_check)."""
from __future__ import annotations

from index.sentences import CLOSING_QUOTES, OPENING_QUOTES, trim_quote_marks  # noqa: F401  (re-exported)


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
