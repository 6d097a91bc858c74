"""Small text helpers shared by the extractive composer (rag.compose) and the LLM's citation
check (rag.llm_check)."""
from __future__ import annotations

from index.sentences import CLOSING_QUOTES, OPENING_QUOTES, trim_quote_marks  # noqa: F401  (re-exported)


def bigrams(text: str) -> set[str]:
    """Every pair of adjacent characters: a tokenizer-free measure of overlap."""
    return {text[i:i + 2] for i in range(len(text) - 1)}
