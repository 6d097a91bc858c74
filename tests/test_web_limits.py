"""rag.web_limits on its own: the ASGI guard driven with hand-made messages, the unread-results sweep
over a queue-shaped object whose contents are known."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from rag.web_limits import RequestGuard, UnreadResults


class Echo:
    """An ASGI app that reads the whole body and answers 200 with its length."""

    def __init__(self):
        self.called = False

    async def __call__(self, scope, receive, send):
        self.called = True
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})


def run(guard, chunks: list[bytes], headers=(), method="POST", path="/x"):
    """(status, body, chunks read) for one request sent to `guard` in `chunks`."""
    sent, read = [], [0]
    parts = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive():
        read[0] += 1
        return parts.pop(0) if parts else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": list(headers)}
    with ThreadPoolExecutor(1) as pool:  # a loop of its own, whatever runs in this thread (playwright)
        pool.submit(asyncio.run, guard(scope, receive, send)).result()
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, sent  # exactly one response, whoever wrote it
    return starts[0]["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"), read[0]


def test_a_body_within_the_limit_reaches_the_app():
    assert run(RequestGuard(Echo(), 10), [b"12345", b"67890"]) == (200, b"10", 2)


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    app = Echo()
    status, body, read = run(RequestGuard(app, 10), [b"x" * 11], headers=[(b"content-length", b"11")])
    assert (status, read, app.called) == (413, 0, False)
    assert body == b'{"detail": "request body larger than 10 bytes"}'


def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives():
    status, _, read = run(RequestGuard(Echo(), 10), [b"123456", b"789012", b"never read"])
    assert (status, read) == (413, 2)


def test_a_bad_content_length_is_a_400():
    status, body, _ = run(RequestGuard(Echo(), 10), [b""], headers=[(b"content-length", b"ten")])
    assert status == 400 and b"ten" in body


def test_refused_routes_get_the_refusal_and_others_pass():
    guard = RequestGuard(Echo(), 10, refuse=lambda m, p: (403, "no") if (m, p) == ("POST", "/up") else None)
    assert run(guard, [b"1"], path="/up")[:2] == (403, b'{"detail": "no"}')
    assert run(guard, [b"1"], method="GET", path="/up")[:2] == (200, b"1")


def test_a_limit_below_one_byte_is_refused():
    with pytest.raises(ValueError, match="max_body_bytes must be at least 1, got 0"):
        RequestGuard(Echo(), 0)


def queue_with(sessions: dict[str, int], busy: set[str] = frozenset()):
    """A queue-shaped object: session -> number of unread messages; `busy` sessions have an event."""
    pending = {}
    for session, unread in sessions.items():
        q = asyncio.Queue()
        for n in range(unread):
            q.put_nowait(n)
        pending[session] = q
    events = {f"e-{s}": SimpleNamespace(session_hash=s) for s in busy}
    return SimpleNamespace(pending_messages_per_session=pending, event_ids_to_events=events,
                           pending_event_ids_session={s: {"id"} for s in sessions})


def test_unread_results_are_dropped_after_max_age_unless_busy_or_read():
    limits = UnreadResults(max_sessions=5, max_age_s=60)
    queue = queue_with({"unread": 1, "read": 0, "running": 1}, busy={"running"})
    first: dict[str, float] = {}
    assert limits.sweep(queue, first, now=1000) == []
    assert first == {"unread": 1000}
    assert limits.sweep(queue, first, now=1059) == []
    assert limits.sweep(queue, first, now=1060) == ["unread"]
    assert sorted(queue.pending_messages_per_session) == ["read", "running"]
    assert sorted(queue.pending_event_ids_session) == ["read", "running"]
    assert first == {}


def test_a_result_read_in_time_restarts_the_clock():
    limits = UnreadResults(max_sessions=5, max_age_s=60)
    queue = queue_with({"s": 1})
    first: dict[str, float] = {}
    limits.sweep(queue, first, now=0)
    queue.pending_messages_per_session["s"].get_nowait()  # read
    limits.sweep(queue, first, now=50)
    queue.pending_messages_per_session["s"].put_nowait("next result")
    assert limits.sweep(queue, first, now=100) == [] and first == {"s": 100}


def test_install_caps_the_number_of_sessions():
    queue = SimpleNamespace(pending_messages_per_session=SimpleNamespace(max_size=2000))
    UnreadResults(max_sessions=7, max_age_s=1).install(queue)
    assert queue.pending_messages_per_session.max_size == 7
