"""Shared fixtures. The network is blocked for every test except loopback."""
from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
TRANSCRIPT = CORPUS / "agi-next-2026.md"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

_real_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host in ("localhost", "::1") or host.startswith("127.")
                                  or self.family == socket.AF_UNIX):
        return _real_connect(self, address)
    raise OSError(f"network blocked in tests: {address!r}")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="session")
def speakers():
    from index.speakers import Speakers
    return Speakers.load(CORPUS / "speakers.json")


@pytest.fixture(scope="session")
def corpus_text():
    return TRANSCRIPT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def passages(speakers):
    from index.parse import parse_transcript
    return parse_transcript(TRANSCRIPT, speakers)


@pytest.fixture(scope="session")
def rag_home():
    """Where the converted model and the index live for tests (RAG_HOME, default <repo>/var)."""
    return Path(os.environ.get("RAG_HOME", REPO / "var"))


@pytest.fixture(scope="session")
def pipeline(rag_home):
    """The real pipeline: real model, real FAISS index, built if missing."""
    from rag.config import from_env
    from rag.pipeline import Pipeline
    return Pipeline(from_env(home=rag_home)).warm_up(progress=False)


def serve_app(answerer):
    """Launch the Gradio app for `answerer` (a Pipeline) on a free loopback port: (url, demo)."""
    from app import build_app
    demo = build_app(answerer)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    return f"http://127.0.0.1:{port}/", demo


@contextmanager
def served(pipeline):
    """(url, demo) of a live app over the pipeline on loopback, closed afterwards."""
    url, demo = serve_app(pipeline)
    try:
        yield url, demo
    finally:
        demo.close()


@pytest.fixture(scope="session")
def live_app(pipeline):
    """One live app on loopback, shared by the API, bad-input, load and browser tests."""
    with served(pipeline) as app:
        yield app


FORUM = Path(__file__).parent / "fixtures" / "forum"


def two_document_corpus(folder: Path) -> Path:
    """corpus/ copied to `folder`, with the fixture forum transcript (and its meta file) added
    and its people appended to the speakers file (one name in two documents is one person)."""
    import json
    import shutil
    shutil.copytree(CORPUS, folder)
    for name in ("forum.md", "forum.meta.json"):
        shutil.copy(FORUM / name, folder / name)
    people = json.loads((folder / "speakers.json").read_text(encoding="utf-8"))
    known = {s["name"] for s in people["speakers"]}
    forum = json.loads((FORUM / "speakers.json").read_text(encoding="utf-8"))["speakers"]
    people["speakers"] += [s for s in forum if s["name"] not in known]
    (folder / "speakers.json").write_text(json.dumps(people, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def two_doc_pipeline(rag_home, tmp_path_factory):
    """The real pipeline over the summit and the forum. The corpus is copied to a temporary
    folder; its index is kept in <home>/two-docs (rebuilt only when the corpus changes)."""
    from rag.config import from_env
    from rag.pipeline import Pipeline
    corpus = two_document_corpus(tmp_path_factory.mktemp("two-docs") / "corpus")
    home = rag_home / "two-docs"
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "models").exists():
        (home / "models").symlink_to((rag_home / "models").resolve())
    return Pipeline(from_env(home=home, corpus_dir=corpus)).warm_up(progress=False)


@pytest.fixture(scope="session")
def two_doc_app(two_doc_pipeline):
    """A live app over the two-document corpus, on loopback."""
    with served(two_doc_pipeline) as app:
        yield app
