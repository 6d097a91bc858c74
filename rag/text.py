"""Small text helpers shared by the extractive composer (rag.compose) and the LLM's citation
check (rag.llm_check)."""
from __future__ import annotations

OPENING_QUOTES = "「『“\""
CLOSING_QUOTES = "」』”\""


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


def bigrams(text: str) -> set[str]:
    """Every pair of adjacent characters: a tokenizer-free measure of overlap."""
    return {text[i:i + 2] for i in range(len(text) - 1)}
