"""The Gradio front end: a chat over the corpus's transcripts with cited sources beside it.

Thin on purpose: it builds the pipeline and wires events to `Pipeline.stream` / `Pipeline.answer`;
all HTML comes from `rag.present`. `python app.py [--host H] [--port P]` (or RAG_HOST, RAG_PORT).
The named API endpoint `/ask` returns what `python -m rag ask --json` prints.

Open to a network, it bounds what a client can make it hold: every request body is capped
(413), uploads are refused, every call goes through the queue (its size is capped: 503), inputs
are cut to the box limit and cleaned before anything else reads them, chat state and unread
results are bounded in count and age. README's Security section lists what a proxy should add.
"""
from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported

import argparse
import asyncio
import logging
import re
import shutil
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from rag import present
from rag.config import from_env
from rag.conversation import Turn, from_json
from rag.pipeline import Pipeline
from rag.query import clean
from rag.web_limits import RequestGuard, UnreadResults

log = logging.getLogger("app")

EXAMPLES_FILE = "examples.json"   # example questions, in the corpus folder: they belong to the transcripts
MAX_TURNS_SHOWN = 10   # earlier answers kept in the source panel
MAX_CHAT_MESSAGES = 40  # messages kept in the chat (20 turns); older ones scroll away
QUEUE_CONCURRENCY = 4  # answers computed at the same time; more requests wait in the queue
QUEUE_SIZE = 64        # requests waiting at most; beyond it a request gets 503 "Queue is full"
MAX_QUESTION_INPUT = 2000  # characters: the box's limit, enforced on the server too
MAX_NAME_INPUT = 100   # characters of a speaker name given to the API
MAX_ID_INPUT = 255     # characters of a document id given to the API (a file name's length)
MAX_BODY_BYTES = 512 * 1024  # any request; a 20-turn chat sends about 80 KB
STATE_SESSIONS = 1000  # browser sessions whose chat state is kept (least recently used go first)
STATE_TTL_S = 3600     # a session's chat state is dropped an hour after its last answer
UNREAD = UnreadResults(max_sessions=500, max_age_s=300)  # results computed and never fetched
UPLOADS = re.compile(r"/gradio_api/(upload|process_recording)/?$")
NAMED_CALL = re.compile(r"/gradio_api/(?:run|api|call(?:/v2)?)/([^/]+)/?$")
FAILED = "Sorry, something went wrong while answering; please try again. · 出错了，请重试。"


class QAApp(gr.Blocks):
    """Blocks whose `launch()` brings the app's theme, CSS and link script and never shares."""

    def launch(self, **kwargs):
        kwargs["share"] = False
        kwargs["max_file_size"] = 0  # no uploads (the guard refuses the route; this is a second lock)
        kwargs.setdefault("enable_monitoring", False)
        kwargs.setdefault("state_session_capacity", STATE_SESSIONS)
        public = {fn.api_name for fn in self.fns.values() if fn.api_visibility == "public"}
        guard = Middleware(RequestGuard, max_body_bytes=MAX_BODY_BYTES,
                           refuse=lambda method, path: _refusal(method, path, public))
        kwargs["app_kwargs"] = {**kwargs.get("app_kwargs", {}), "middleware": [guard],
                                "lifespan": self._sweep_unread}
        kwargs.setdefault("theme", gr.themes.Soft(font=list(present.CJK_FONTS),
                                                  font_mono=["ui-monospace", "monospace"]))
        kwargs.setdefault("css", present.CSS)
        kwargs.setdefault("js", present.JS)
        kwargs.setdefault("show_error", False)
        return super().launch(**kwargs)

    @asynccontextmanager
    async def _sweep_unread(self, app):
        UNREAD.install(self._queue)
        task = asyncio.create_task(UNREAD.run(self._queue))
        try:
            yield
        finally:
            task.cancel()



def _about(pipeline, speaking: set[str]) -> tuple[str, str, list[str]]:
    """The page's title, introduction and example questions, from the corpus: its documents'
    titles, the people who speak in it, and corpus/examples.json."""
    import json
    corpus = pipeline.corpus
    titles = [d.title for d in corpus.documents.values()]
    title = titles[0] if len(titles) == 1 else f"{len(titles)} transcripts"
    people = [s.name for s in corpus.speakers.all if not s.editor and s.name in speaking]
    intro = (f"## {title} · 问答 Transcript Q&A\n"
             f"Ask in 中文 or English about what {', '.join(people)} said. Answers name who said it and "
             "cite the transcript [n]; click a number to see the passage.")
    file = pipeline.config.corpus_dir / EXAMPLES_FILE
    try:
        examples = [e for e in json.loads(file.read_text(encoding="utf-8")).get("examples", []) if isinstance(e, str)]
    except (OSError, ValueError, AttributeError):
        examples = []
    return title, intro, examples

def _refusal(method: str, path: str, public: set[str]) -> tuple[int, str] | None:
    """Uploads, and calls by name of anything but the public API, are refused."""
    if method == "POST" and UPLOADS.search(path):
        return 403, "uploads are not accepted"
    named = NAMED_CALL.search(path) if method == "POST" else None
    if named and named.group(1) not in public:
        return 404, f"no API endpoint named {named.group(1)[:40]!r}; the API is /ask"
    return None


def _inbound(text, limit: int = MAX_QUESTION_INPUT) -> str:
    """Text from a client as every path reads it: cut first (before any per-character work),
    then cleaned (lone surrogates, control and format characters such as bidi overrides)."""
    return clean(text[:limit]) if isinstance(text, str) else ""


def _fresh_upload_cache(folder: Path) -> None:
    """Gradio's file cache goes to a folder of the app's own, emptied at each start (a new
    temporary folder if the home is read-only)."""
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.mkdtemp(prefix="rag-gradio-cache-"))
    os.environ["GRADIO_TEMP_DIR"] = str(folder)


def build_app(pipeline: Pipeline, queue_size: int = QUEUE_SIZE) -> gr.Blocks:
    """The UI and the `/ask` API over a warmed-up pipeline."""
    pipeline.warm_up()
    corpus = pipeline.corpus
    people = present.People.of(corpus.speakers.all)
    titles = present.Titles.of(corpus.documents)   # names documents on citations when there are several
    paragraphs = {d: corpus.paragraphs_of(d) for d in corpus.texts}
    paragraphs_of = paragraphs.__getitem__
    doc_choices = present.document_choices(corpus.documents)
    several = len(doc_choices) > 1   # the document filter and chooser are shown only then
    # the speaker filters list the people who speak (headings are nobody's): in the corpus for the
    # chat, in the document being read for the transcript tab
    speaking = {d: {p.speaker for p in corpus.passages_of(d) if p.kind != "heading"} for d in corpus.texts}
    everyone = set().union(*speaking.values())
    choices = present.speaker_choices(corpus.speakers.all, everyone)
    speakers_of = {d: present.speaker_choices(corpus.speakers.all, names) for d, names in speaking.items()}
    max_k = 10
    # English editions shown beside the transcript on request (a stale one is not used).
    english = {d: ed for (d, lang), ed in pipeline.editions.items() if lang == "en" and not ed.stale}

    def panel(turns):
        return present.sources_panel(turns, corpus.texts, paragraphs_of, people, titles)

    def transcript(doc, only=None, with_english=False):
        """One document of the corpus, its paragraphs of other speakers hidden, its English
        edition beside it on request (Gradio refuses a document that is not one of the choices)."""
        editions = {doc: english[doc]} if with_english is True and doc in english else None
        return present.transcript_html(corpus.passages_of(doc), {doc: corpus.texts[doc]}, paragraphs_of,
                                       people, set(only) if only else None, editions)

    def respond(message, chat, turns, speakers, top_k, docs):
        """Stream one answer into the chat, then show its sources."""
        question = _inbound(message)
        chat, turns = list(chat or [])[-MAX_CHAT_MESSAGES + 2:], list(turns or [])[-MAX_TURNS_SHOWN:]
        speakers = [_inbound(s, MAX_NAME_INPUT) for s in list(speakers or [])[:len(choices)]]
        docs = [_inbound(d, MAX_ID_INPUT) for d in list(docs or [])[:len(doc_choices)]]
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        turn = (turns[-1][0] if turns else 0) + 1
        # the thread: each earlier answer's people and quotes, so "he" is who answered (until Clear)
        history = [Turn.of(a) for _, a in turns][-pipeline.config.max_history:]
        chat += [{"role": "user", "content": present.question_html(question)},
                 {"role": "assistant", "content": present.answer_html("…", turn)}]
        yield "", chat, turns, gr.skip()
        try:
            answer = None
            for text, answer in pipeline.stream(question, history, speakers or None, _top_k(top_k, max_k),
                                                docs or None):
                if answer is None:
                    chat[-1] = {"role": "assistant", "content": present.answer_html(text, turn)}
                    yield "", chat, turns, gr.skip()
            turns = (turns + [(turn, answer)])[-MAX_TURNS_SHOWN:]
            chat[-1] = {"role": "assistant", "content": present.answer_message(answer, turn, people, titles)}
            yield "", chat, turns, panel(turns)
        except ValueError as err:  # a question or setting the pipeline refuses, named by it
            chat[-1] = {"role": "assistant", "content": present.error_message(str(err))}
            yield "", chat, turns, gr.skip()
        except Exception:
            log.exception("answering %r failed", question)
            chat[-1] = {"role": "assistant", "content": present.error_message(FAILED)}
            yield "", chat, turns, gr.skip()

    def ask(question, history, speakers, top_k, docs):
        """The `/ask` API: the object `python -m rag ask --json` prints."""
        question = _inbound(question)
        if not question:
            raise gr.Error("question must be a non-empty string")
        history = _history(history)
        speakers = [_inbound(s, MAX_NAME_INPUT) for s in _strings(speakers, "speakers")[:len(choices)]] or None
        try:
            k = None if top_k in (None, "") else int(top_k)
        except (TypeError, ValueError):
            raise gr.Error(f"top_k must be a whole number, got {top_k!r:.40}") from None
        docs = _strings(docs, "docs")
        if len(docs) > len(doc_choices):
            raise gr.Error(f"docs: at most {len(doc_choices)} document ids (the corpus has {len(doc_choices)}), "
                           f"got {len(docs)}")
        docs = [_inbound(d, MAX_ID_INPUT) for d in docs] or None
        try:
            return pipeline.answer(question, history, speakers, k, docs=docs).to_json()
        except ValueError as err:  # a value the pipeline refuses, named in the message
            raise gr.Error(str(err)) from None
        except Exception:
            log.exception("/ask %r failed", question)
            raise gr.Error(FAILED) from None

    def clear():
        return [], [], panel([])

    def filter_transcript(doc, only, with_english):
        try:
            return transcript(doc, only, with_english)
        except Exception:
            log.exception("transcript filter failed")
            raise gr.Error("Could not filter the transcript.") from None

    def choose_document(doc, only, with_english):
        """Read another document: its speakers in the filter (the ticked ones it has stay
        ticked), the English toggle if it has an edition, and its transcript."""
        names = speakers_of[doc]
        kept = [s for s in only or [] if s in {n for _, n in names}]
        with_english = with_english is True and doc in english
        return (gr.update(choices=names, value=kept), gr.update(visible=doc in english, value=with_english),
                filter_transcript(doc, kept, with_english))

    _fresh_upload_cache(pipeline.config.home / "gradio-cache")
    title, intro, examples_list = _about(pipeline, everyone)
    with QAApp(title=f"{title} · 问答 Transcript Q&A", analytics_enabled=False) as demo:
        gr.Markdown(intro, elem_id="intro")
        turns = gr.State([], time_to_live=STATE_TTL_S)
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Chat · 问答", id="chat-tab", elem_id="chat-tab"):
                with gr.Row(elem_id="main-row", equal_height=False):
                    with gr.Column(scale=3, min_width=300, elem_id="chat-col"):
                        chat = gr.Chatbot(label="Conversation · 对话", show_label=False, elem_id="chat",
                                          height=520, sanitize_html=True, render_markdown=True,
                                          latex_delimiters=[], feedback_options=None, layout="bubble",
                                          buttons=["copy"],
                                          placeholder="Ask a question below, or click an example.")
                        box = gr.Textbox(show_label=False, elem_id="question", lines=1, max_lines=4,
                                         max_length=MAX_QUESTION_INPUT, submit_btn="Ask · 提问", autofocus=True,
                                         placeholder=f"e.g. {examples_list[0]}" if examples_list else "")
                        examples = gr.Examples(examples_list or ["?"], inputs=[box], label="Examples · 示例问题")
                        docs = gr.CheckboxGroup(doc_choices, label="Only these documents · 只看这些文档",
                                                info="none ticked = all", visible=several, elem_id="doc-filter")
                        with gr.Row():
                            speakers = gr.CheckboxGroup(choices, label="Only these speakers · 只看这些人",
                                                        info="none ticked = everyone", scale=3,
                                                        min_width=280)
                            top_k = gr.Slider(1, max_k, value=min(pipeline.config.top_k, max_k), step=1,
                                              label="Passages · 段落数", scale=1, min_width=160)
                        clear_btn = gr.Button("Clear chat · 清空", size="sm", variant="secondary")
                    with gr.Column(scale=2, min_width=300, elem_id="sources-col"):
                        sources = gr.HTML(panel([]), elem_id="sources", js_on_load=None,
                                          label="Sources · 来源")
            with gr.Tab("Transcript · 全文", id="transcript-tab", elem_id="transcript-tab"):
                first = doc_choices[0][1]
                reading = gr.Radio(doc_choices, value=first, label="Document · 文档", visible=several,
                                   elem_id="transcript-doc")
                only = gr.CheckboxGroup(speakers_of[first], label="Show speakers · 只看", info="none ticked = all",
                                        elem_id="transcript-filter")
                show_english = gr.Checkbox(False, label="Show the English edition beside the original · 显示英文译本",
                                           elem_id="transcript-english", visible=first in english)
                transcript_box = gr.HTML(transcript(first), elem_id="transcript", js_on_load=None)

        chat_io = dict(fn=respond, inputs=[box, chat, turns, speakers, top_k, docs],
                       outputs=[box, chat, turns, sources], api_visibility="private")
        box.submit(**chat_io)
        examples.load_input_event.then(**chat_io)
        clear_btn.click(clear, outputs=[chat, turns, sources], api_visibility="private")
        # `.input` (a user's change), so that choosing a document, which sets both, renders once
        gr.on([only.input, show_english.input], filter_transcript, inputs=[reading, only, show_english],
              outputs=[transcript_box], api_visibility="private")
        reading.change(choose_document, inputs=[reading, only, show_english],
                       outputs=[only, show_english, transcript_box], api_visibility="private")

        # The API: hidden components give the endpoint its parameters and a JSON result.
        with gr.Row(visible=False):
            q_in = gr.Textbox(label="question")
            history_in = gr.JSON(value=[], label="history")
            speakers_in = gr.JSON(value=[], label="speakers")
            top_k_in = gr.Number(value=pipeline.config.top_k, precision=0, label="top_k")
            docs_in = gr.JSON(value=[], label="docs")
            result = gr.JSON(label="answer")
            api_btn = gr.Button()
        api_btn.click(ask, inputs=[q_in, history_in, speakers_in, top_k_in, docs_in], outputs=[result], api_name="ask",
                      api_description="Answer a question; returns what `python -m rag ask --json` prints.")
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=queue_size, api_open=False)
    return demo


def _top_k(value, max_k: int) -> int:
    return max(1, min(int(value or 1), max_k))


def _history(value) -> list[Turn]:
    """The API's history: earlier questions, or turns `{question, speakers, citations}` (what
    `/ask` returns is a turn), oldest first; the pipeline keeps the last few, with a notice."""
    if value in (None, "", []):
        return []
    def inbound(turn):   # every question is cut and cleaned like the question itself
        if isinstance(turn, str):
            return _inbound(turn)
        if isinstance(turn, dict) and isinstance(turn.get("question"), str):
            return {**turn, "question": _inbound(turn["question"])}
        return turn
    items = [value] if isinstance(value, str) else value
    try:
        return from_json([inbound(h) for h in items] if isinstance(items, list) else items)
    except ValueError as err:
        raise gr.Error(str(err)) from None


def _strings(value, name: str) -> list[str]:
    """A list of strings from an API argument (None or empty means none)."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise gr.Error(f"{name} must be a list of strings, got {value!r:.80}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python app.py", description="Chat with the transcripts of the corpus folder.")
    p.add_argument("--host", help="interface to listen on (RAG_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (RAG_PORT, default 7860)")
    p.add_argument("--home", help="folder for the converted model and the index (RAG_HOME)")
    p.add_argument("--corpus", dest="corpus_dir", help="transcript folder (RAG_CORPUS_DIR)")
    p.add_argument("--store", help="where the index lives: faiss (default), qdrant:PATH or http(s)://HOST:PORT (RAG_STORE)")
    p.add_argument("--monitoring", action="store_true",
                   help="serve Gradio's /monitoring dashboard (off by default: it shows function names and counts)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = from_env(host=args.host, port=args.port, home=Path(args.home) if args.home else None,
                          store=args.store,
                          corpus_dir=Path(args.corpus_dir) if args.corpus_dir else None)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from index.parse import ParseError
    from index.store import IndexProblem
    t0 = time.perf_counter()
    print("Loading the corpus, the embedding model and the index (building what is missing)…", flush=True)
    try:
        pipeline = Pipeline(config)
        pipeline.warm_up(progress=True)
    except (ParseError, IndexProblem, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"Pipeline ready in {time.perf_counter() - t0:.1f} s; starting the web app…", flush=True)
    demo = build_app(pipeline)
    demo.launch(server_name=config.host, server_port=config.port, enable_monitoring=args.monitoring)
    return 0


if __name__ == "__main__":
    sys.exit(main())
