"""What a hostile client can make the live app hold or do, over real HTTP on loopback: a lone
surrogate through the chat, large bodies, uploads, calls that skip the queue or name internal
functions, a full queue, unread results, a long chat."""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

import app as webapp

pytestmark = pytest.mark.slow

MB = 2**20
TIMEOUT = 60


@pytest.fixture(scope="module")
def http(live_app):
    import httpx
    with httpx.Client(base_url=live_app[0].rstrip("/"), timeout=TIMEOUT) as client:
        yield client


def fn_index(http, api_name: str) -> int:
    return next(d["id"] for d in http.get("/config").json()["dependencies"] if d.get("api_name") == api_name)


def chat_events(http, data: list, session: str) -> list[dict]:
    """Join the queue as the browser's chat does (`respond`) and read the event stream to its end."""
    body = {"data": data, "fn_index": fn_index(http, "respond"), "session_hash": session,
            "event_data": None, "trigger_id": None}
    # json.dumps writes a lone surrogate as the escape \ud800, as a browser or script may send it
    r = http.post("/gradio_api/queue/join", content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    events = []
    with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                events.append(json.loads(line[5:]))
                if events[-1]["msg"] in ("process_completed", "unexpected_error", "close_stream"):
                    break
    return events


def call_ask(http, question, **extra) -> dict:
    """POST /call/v2/ask then read its result."""
    body = json.dumps({"question": question, **extra})  # a lone surrogate goes as the escape \ud800
    r = http.post("/gradio_api/call/v2/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    return read_result(http, r.json()["event_id"])


def read_result(http, event_id: str) -> dict:
    text = http.get(f"/gradio_api/call/v2/ask/{event_id}").text
    assert "event: complete" in text, text[:300]
    return json.loads(text.rsplit("data:", 1)[1])[0]


# ------------------------------------------------------------------ 1. a lone surrogate

def test_a_lone_surrogate_through_the_chat_gets_an_answer(http):
    events = chat_events(http, ["唐杰怎么看\ud800RLVR？\u202e", [], [], [], 5, []], "surrogate-1")
    assert [e["msg"] for e in events][-1] == "process_completed", events[-1]
    assert events[-1]["success"] is True
    _, chat = events[-1]["output"]["data"][:2]
    assert chat[0]["content"][0]["text"] == '<div class="q">唐杰怎么看RLVR？</div>'  # cleaned as analysis cleans
    assert "唐杰" in chat[1]["content"][0]["text"] and "[1]" in chat[1]["content"][0]["text"]


def test_a_lone_surrogate_through_the_api_is_cleaned_in_the_echo(http):
    result = call_ask(http, "唐杰怎么看RLVR？\udfff", history=["\ud800"], speakers=["唐杰\ud800"],
                      docs=["agi-next-2026\u202e\ud800"])
    assert result["question"] == "唐杰怎么看RLVR？" and result["speakers"][:1] == ["唐杰"]


# ------------------------------------------------------------------ 2. large bodies

def test_ten_megabyte_bodies_are_refused_before_they_are_held(http):
    import psutil
    me = psutil.Process()
    big = json.dumps({"question": "唐" * (10 * MB // 3 + 1)}, ensure_ascii=False).encode()  # a 10 MB question
    before = me.memory_info().rss
    started = time.perf_counter()
    for _ in range(5):
        r = http.post("/gradio_api/call/v2/ask", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413, r.status_code
        assert r.json() == {"detail": f"request body larger than {webapp.MAX_BODY_BYTES} bytes"}
    grown = (me.memory_info().rss - before) / MB
    print(f"\n5 x 10 MB: 413 each in {time.perf_counter() - started:.1f} s, RSS +{grown:.0f} MB")
    assert grown < 100  # unbounded, each of these held about 60 MB


def test_every_route_caps_the_body_even_without_a_content_length(http):
    def chunks():
        for _ in range(12):
            yield b"x" * 64 * 1024  # 768 KB in all, sent chunked
    for path in ("/gradio_api/queue/join", "/gradio_api/call/v2/ask", "/gradio_api/run/ask"):
        assert http.post(path, content=chunks()).status_code == 413, path


def test_a_body_under_the_cap_is_read_with_the_question_cut_to_the_box_limit(http):
    question = "What does Tang Jie think about RLVR? " * 5000  # about 185 KB
    history = ["Tang Jie " * 1000] * 30
    result = call_ask(http, question, history=history)
    assert len(result["question"]) == webapp.MAX_QUESTION_INPUT
    assert question.startswith(result["question"].strip())
    assert result["notices"] == ["history cut to its last 4 turns (of 30)",
                                 "earlier questions cut to their first 500 characters",
                                 "question cut to its first 500 characters"]


# ------------------------------------------------------------------ 3. uploads

def test_uploads_are_refused_and_nothing_is_stored(http):
    cache = Path(os.environ["GRADIO_TEMP_DIR"])
    before = sorted(cache.rglob("*"))
    for path in ("/gradio_api/upload", "/gradio_api/upload/", "/gradio_api/process_recording"):
        r = http.post(path, files={"files": ("x.bin", b"0" * 1024)})
        assert (r.status_code, r.json()) == (403, {"detail": "uploads are not accepted"}), path
    assert sorted(cache.rglob("*")) == before


# ------------------------------------------------------------------ 4. the queue is the only way in

def test_calls_that_skip_the_queue_or_name_internal_functions_are_refused(http):
    data = {"data": ["唐杰怎么看RLVR？", [], [], 5]}
    for path in ("/gradio_api/run/ask", "/gradio_api/api/ask"):
        r = http.post(path, json=data)
        assert r.status_code == 404 and "join the queue" in r.json()["detail"], path
    for name in ("respond", "clear", "filter_transcript", "choose_document"):
        for path in (f"/gradio_api/run/{name}", f"/gradio_api/call/{name}", f"/gradio_api/call/v2/{name}"):
            r = http.post(path, json={"data": ["hi", [], [], [], 5]})
            assert r.status_code == 404 and r.json()["detail"].startswith(f"no API endpoint named '{name}'"), path
    info = http.get("/gradio_api/info").json()
    assert list(info["named_endpoints"]) == ["/ask"]
    assert http.get("/monitoring").status_code == 403
    assert http.get("/monitoring/summary").status_code == 403


def test_the_named_api_still_works_through_the_queue(http, live_app):
    from gradio_client import Client
    client = Client(live_app[0], verbose=False, analytics_enabled=False)
    assert client.predict("唐杰怎么看RLVR？", api_name="/ask")["speakers"][:1] == ["唐杰"]
    assert call_ask(http, "唐杰怎么看RLVR？")["speakers"][:1] == ["唐杰"]


class Gated:
    """The real pipeline, whose answers wait until `gate` opens (to hold requests in the queue)."""

    def __init__(self, pipeline, gate: threading.Event):
        self._pipeline, self.gate = pipeline, gate

    def __getattr__(self, name):
        return getattr(self._pipeline, name)

    def answer(self, *args, **kwargs):
        assert self.gate.wait(TIMEOUT)
        return self._pipeline.answer(*args, **kwargs)


def test_a_full_queue_answers_503_and_the_rest_are_served(pipeline):
    import httpx
    cache = pipeline.config.home / "gradio-cache"   # the app empties its own (GRADIO_TEMP_DIR is the last app's)
    (cache / "left-by-an-earlier-run").mkdir(parents=True, exist_ok=True)
    gate = threading.Event()
    demo = webapp.build_app(Gated(pipeline, gate), queue_size=2)
    assert not (cache / "left-by-an-earlier-run").exists()  # the file cache is emptied at start
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT) as http:
            def join(i):
                return http.post("/gradio_api/call/v2/ask", json={"question": f"唐杰怎么看RLVR？{i}"})
            running = [join(i) for i in range(webapp.QUEUE_CONCURRENCY)]
            deadline = time.monotonic() + 10
            while len(demo._queue) and time.monotonic() < deadline:  # all four taken up by workers
                time.sleep(0.02)
            waiting = [join(i) for i in range(4, 6)]
            full = join(6)
            assert [r.status_code for r in running + waiting] == [200] * 6
            assert full.status_code == 503
            assert full.json() == {"detail": "Queue is full. Max size is 2 and size is 2."}
            gate.set()
            answers = [read_result(http, r.json()["event_id"]) for r in running + waiting]
            assert [a["speakers"][:1] for a in answers] == [["唐杰"]] * 6
            assert join(7).status_code == 200
    finally:
        gate.set()
        demo.close()


# ------------------------------------------------------------------ bounded state

def test_unread_results_are_bounded_in_count_and_age(http, live_app):
    queue = live_app[1]._queue
    assert queue.pending_messages_per_session.max_size == webapp.UNREAD.max_sessions
    ids = [http.post("/gradio_api/call/v2/ask", json={"question": f"唐杰怎么看RLVR？{i}"}).json()["event_id"]
           for i in range(3)]
    deadline = time.monotonic() + TIMEOUT
    while any(i in queue.event_ids_to_events for i in ids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(not queue.pending_messages_per_session[i].empty() for i in ids)  # computed, unread
    first: dict[str, float] = {}
    now = time.monotonic()
    webapp.UNREAD.sweep(queue, first, now)
    dropped = webapp.UNREAD.sweep(queue, first, now + webapp.UNREAD.max_age_s)
    assert set(ids) <= set(dropped)
    assert not set(ids) & set(queue.pending_messages_per_session)


def test_a_long_chat_is_kept_to_its_last_messages(http, live_app):
    old = [{"role": r, "content": [{"type": "text", "text": f"message {n}"}]}
           for n in range(60) for r in ("user", "assistant")]
    events = chat_events(http, ["唐杰怎么看RLVR？", old, [], [], 5, []], "long-chat")
    assert events[-1]["msg"] == "process_completed" and events[-1]["success"] is True
    chat = events[-1]["output"]["data"][1]
    assert len(chat) == webapp.MAX_CHAT_MESSAGES
    assert chat[0]["content"][0]["text"] == "message 41" and len(old) == 120
    assert live_app[1].state_session_capacity == webapp.STATE_SESSIONS
