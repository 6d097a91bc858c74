"""Shared fixtures. The network is blocked for every test except loopback."""
from __future__ import annotations

import os
import socket
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


@pytest.fixture(scope="session")
def live_app(pipeline):
    """One live app on loopback, shared by the API, bad-input, load and browser tests."""
    url, demo = serve_app(pipeline)
    try:
        yield url, demo
    finally:
        demo.close()
