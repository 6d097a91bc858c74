"""A scripted OpenAI-compatible chat-completions server on loopback, for the LLM composer's tests.

`POST /v1/chat/completions` answers with the next scripted `Reply`: plain JSON, or SSE chunks
(`data: {...}` lines, then `data: [DONE]`) when the request asks for `stream: true`. Every
request body is recorded in `stub.requests`. Delays wait on an event that `close()` sets, so
a test never waits for a reply nobody reads.
"""
from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# One streamed token: a citation marker, an English word with its trailing space, or one character.
_TOKEN = re.compile(r"\[\d+\]|[A-Za-z0-9'’.,;:!?-]+\s*|.", re.S)


@dataclass(frozen=True)
class Reply:
    content: str = ""
    status: int = 200
    delay: float = 0.0              # seconds before the reply starts
    body: bytes | None = None       # sent as is instead of a completion (malformed JSON)
    stall_after: int | None = None  # streaming: after this many tokens, wait `stall` seconds
    stall: float = 0.0
    break_after: int | None = None  # streaming: after this many tokens, send a malformed line
    pace: float = 0.0               # streaming: seconds between tokens


def tokens(content: str) -> list[str]:
    """How the stub splits an answer into streamed chunks."""
    return _TOKEN.findall(content)


class OpenAIStub:
    def __init__(self):
        self.requests: list[dict] = []
        self._replies: deque[Reply] = deque()
        self._stop = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                try:
                    stub._handle(self)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> "OpenAIStub":
        """The replies to give, in order, one per request."""
        self._replies.extend(replies)
        return self

    def close(self):
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "OpenAIStub":
        return self

    def __exit__(self, *exc):
        self.close()

    # -- serving ----------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler):
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length)
        if h.path.rstrip("/") != "/v1/chat/completions":
            return _send(h, 404, b'{"error": {"message": "not found"}}')
        request = json.loads(raw)
        self.requests.append(request)
        reply = self._replies.popleft() if self._replies else Reply(status=500, content="no scripted reply")
        if reply.delay and self._stop.wait(reply.delay):
            return
        if reply.status != 200:
            err = {"error": {"message": reply.content or "scripted failure", "type": "server_error"}}
            return _send(h, reply.status, json.dumps(err).encode())
        if reply.body is not None:
            return _send(h, 200, reply.body)
        if request.get("stream"):
            return self._stream(h, request, reply)
        message = {"role": "assistant", "content": reply.content}
        body = {"id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": request.get("model"),
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        _send(h, 200, json.dumps(body, ensure_ascii=False).encode())

    def _stream(self, h: BaseHTTPRequestHandler, request: dict, reply: Reply):
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.end_headers()

        def event(delta: dict, finish: str | None = None):
            chunk = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0,
                     "model": request.get("model"),
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            h.wfile.write(b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n")
            h.wfile.flush()

        event({"role": "assistant", "content": ""})
        for i, tok in enumerate(tokens(reply.content)):
            if i == reply.break_after:
                h.wfile.write(b"data: {\"choices\": [{\"delta\": \n\n")
                h.wfile.flush()
                return
            if i == reply.stall_after and self._stop.wait(reply.stall):
                return
            if reply.pace and i and self._stop.wait(reply.pace):
                return
            event({"content": tok})
        event({}, "stop")
        h.wfile.write(b"data: [DONE]\n\n")
        h.wfile.flush()


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes):
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)
