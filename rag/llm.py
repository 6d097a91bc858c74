"""The optional LLM composer: an OpenAI-compatible chat model (through LangChain) writes the
answer from the numbered passages (rag.llm_prompt); every citation is then checked against those
passages (rag.llm_check), and any failure of the endpoint gives the extractive answer instead,
with a notice.

LangChain is imported only when a chat model is built, so the offline default never needs it.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from index.speakers import Speakers
from index.tokens import Tokenizer
from rag.compose import Composition
from rag.llm_check import NOT_FOUND, Checked, check  # noqa: F401  (re-exported)
from rag.llm_prompt import SYSTEM_PROMPT, build_messages  # noqa: F401  (re-exported)
from rag.query import Query
from rag.records import Answer, Hit

log = logging.getLogger(__name__)
MAX_TOKENS = 800        # an answer is a few sentences
STREAM_BUDGET = 3       # a streamed answer may take this many timeouts in all


# -- the composer -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What the pipeline shows: a composition, who composed it, and notices for the user."""
    composition: Composition
    composer: str                  # "llm" or "extractive"
    notices: tuple[str, ...] = ()


class LLMUnavailable(Exception):
    """The endpoint gave no usable reply; the message says why, for the user."""


class LLMComposer:
    """Composes with `chat` (anything with LangChain's `invoke(messages)` / `stream(messages)`)."""

    def __init__(self, chat, timeout: float, speakers: Speakers | None = None,
                 tokenizer: Tokenizer | None = None):
        if timeout <= 0:
            raise ValueError(f"timeout must be positive seconds, got {timeout}")
        self.chat, self.timeout, self.speakers, self.tokenizer = chat, timeout, speakers, tokenizer

    @classmethod
    def from_config(cls, config, speakers: Speakers | None = None,
                    tokenizer: Tokenizer | None = None) -> "LLMComposer":
        return cls(chat_model(config.llm_base_url, config.llm_model, config.llm_api_key, config.llm_timeout),
                   config.llm_timeout, speakers, tokenizer)

    def compose(self, query: Query, hits: list[Hit], corpus_text: dict[str, str], fallback: Composition,
                on_token: Callable[[str], None] | None = None) -> Outcome:
        """The LLM's checked answer from `hits` (streamed through `on_token` if given), or
        `fallback` with a notice saying why. Never raises for the endpoint's faults."""
        try:
            text = self._generate(build_messages(query, hits, self.speakers), on_token)
        except LLMUnavailable as err:
            return _fallback(fallback, f"LLM unavailable ({err}); showing the extractive answer")
        if not text.strip():
            return _fallback(fallback, "LLM returned an empty answer; showing the extractive answer")
        preferred = {c.chunk.chunk_id: (c.start, c.end) for c in fallback.citations}
        try:
            checked = check(text, hits, corpus_text, query, self.tokenizer, preferred)
        except Exception as err:  # a bug here must not cost the user the answer
            log.exception("checking the LLM answer failed")
            return _fallback(fallback, f"LLM answer could not be checked ({type(err).__name__}); "
                                       "showing the extractive answer")
        if not checked.citations:
            return _fallback(fallback, "LLM answer cited no retrieved passage; showing the extractive answer")
        return Outcome(Composition(checked.text, checked.speakers, checked.citations, False), "llm",
                       checked.notices)

    def _generate(self, messages: list[tuple[str, str]], on_token) -> str:
        """Run the call in a worker thread so that the caller waits at most `timeout` for the
        reply (or for each next token), and `STREAM_BUDGET` timeouts for a whole stream."""
        items: queue.Queue = queue.Queue()
        cancel = threading.Event()

        def work():
            try:
                if on_token is None:
                    items.put(("done", _content(self.chat.invoke(messages))))
                    return
                for chunk in self.chat.stream(messages):
                    if cancel.is_set():
                        return
                    piece = _content(chunk)
                    if piece:
                        items.put(("token", piece))
                items.put(("done", None))
            except Exception as err:  # reported to the caller, who falls back
                items.put(("error", err))

        threading.Thread(target=work, name="llm-compose", daemon=True).start()
        deadline = time.monotonic() + STREAM_BUDGET * self.timeout if on_token else None
        parts: list[str] = []
        while True:
            wait = self.timeout if deadline is None else min(self.timeout, deadline - time.monotonic())
            try:
                kind, value = items.get(timeout=max(wait, 0.0))
            except queue.Empty:
                cancel.set()
                raise LLMUnavailable(f"timeout after {self.timeout:.1f} s" if wait >= self.timeout else
                                     f"no complete answer within {STREAM_BUDGET * self.timeout:.1f} s") from None
            if kind == "error":
                raise LLMUnavailable(_reason(value, self.timeout)) from value
            if kind == "done":
                return value if on_token is None else "".join(parts)
            parts.append(value)
            on_token(value)


def chat_model(base_url: str, model: str, api_key: str, timeout: float, max_tokens: int = MAX_TOKENS):
    """LangChain's ChatOpenAI for an OpenAI-compatible endpoint: one attempt, bounded time."""
    if not model:
        raise ValueError("llm_model must be set when llm_base_url is (RAG_LLM_MODEL or --llm-model)")
    from langchain_openai import ChatOpenAI
    return ChatOpenAI(base_url=base_url, model=model, api_key=api_key or "not-needed", timeout=timeout,
                      max_retries=0, temperature=0, max_tokens=max_tokens)


def _content(message) -> str:
    content = getattr(message, "content", None)
    if isinstance(content, list):  # content blocks
        content = "".join(b if isinstance(b, str) else b.get("text", "") for b in content
                          if isinstance(b, (str, dict)))
    if not isinstance(content, str):
        raise ValueError(f"no text in the reply: {type(content).__name__}")
    return content


def _reason(err: Exception, timeout: float) -> str:
    """A few words on why the endpoint failed, for the user's notice."""
    import openai
    try:
        import httpx
        timeouts: tuple[type, ...] = (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)
    except ImportError:  # pragma: no cover - httpx comes with openai
        timeouts = (openai.APITimeoutError, TimeoutError)
    if isinstance(err, timeouts):
        return f"timeout after {timeout:.1f} s"
    if isinstance(err, openai.APIStatusError):
        return f"HTTP {err.status_code}"
    if isinstance(err, (openai.APIConnectionError, ConnectionError)):
        return "connection failed"
    if isinstance(err, (ValueError, LookupError, TypeError, AttributeError)):
        return "malformed response"
    return type(err).__name__


def _fallback(fallback: Composition, notice: str) -> Outcome:
    log.info("%s", notice)
    return Outcome(fallback, "extractive", (notice,))


# -- streaming through the pipeline -------------------------------------------------------------
def stream_answer(run: Callable[[Callable[[str], None]], Answer]) -> Iterator[tuple[str, Answer | None]]:
    """Run `run(on_token)` in a worker thread; yield (text so far, None) for every token, then
    (the answer's final text, the Answer), which replaces whatever was streamed."""
    items: queue.Queue = queue.Queue()

    def work():
        try:
            items.put(("answer", run(lambda token: items.put(("token", token)))))
        except BaseException as err:  # re-raised in the caller's thread
            items.put(("error", err))

    threading.Thread(target=work, name="llm-stream", daemon=True).start()
    shown = ""
    while True:
        kind, value = items.get()
        if kind == "error":
            raise value
        if kind == "answer":
            yield value.answer, value
            return
        shown += value
        yield shown, None
