"""Limits the public web app puts on what a client can make it hold: a body-size cap and refused
routes on every HTTP request (plain ASGI middleware, no Gradio here), and a sweep of results
that were computed but never read. `app.py` says which routes and how much."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

Refusal = tuple[int, str]  # HTTP status, message


class _TooLarge(Exception):
    pass


class RequestGuard:
    """ASGI middleware: refuse a request by method and path (`refuse` returns (status, message)
    or None), and answer 413 to a body larger than `max_body_bytes` — at once when Content-Length
    says so, else as soon as the bytes read pass it (chunked uploads), before the app holds them."""

    def __init__(self, app, max_body_bytes: int, refuse: Callable[[str, str], Refusal | None] = lambda m, p: None):
        if max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be at least 1, got {max_body_bytes}")
        self.app, self.max_body_bytes, self.refuse = app, max_body_bytes, refuse

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        refusal = self.refuse(scope["method"], scope["path"])
        if refusal is not None:
            return await _reply(send, *refusal)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                return await _reply(send, 400, f"bad Content-Length {declared[:20]!r}")
            if size > self.max_body_bytes:
                return await _reply(send, 413, self._too_large())
        seen, started, replied = 0, False, False

        async def counting_receive():
            nonlocal seen, replied
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    if not started:  # the app has not answered yet: answer 413 for it
                        replied = True
                        await _reply(send, 413, self._too_large())
                    raise _TooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if replied:  # our 413 went out; whatever the app says after is dropped
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            pass
        except Exception:
            if not replied:
                raise

    def _too_large(self) -> str:
        return f"request body larger than {self.max_body_bytes} bytes"


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class UnreadResults:
    """Results that clients asked for and never came to read (Gradio keeps a message queue per
    session until it is read): at most `max_sessions` sessions, and a result left unread longer
    than `max_age_s` is dropped unless its session still has an event queued or running."""
    max_sessions: int
    max_age_s: float
    period_s: float = 10.0

    def install(self, queue) -> None:
        queue.pending_messages_per_session.max_size = self.max_sessions

    def sweep(self, queue, first_unread: dict[str, float], now: float) -> list[str]:
        """Drop stale unread sessions; `first_unread` (session -> when it was first seen holding
        unread messages) is carried between sweeps. Returns the sessions dropped."""
        pending = queue.pending_messages_per_session
        busy = {e.session_hash for e in list(queue.event_ids_to_events.values())}
        dropped = []
        for session, messages in list(pending.items()):
            if messages.empty() or session in busy:
                first_unread.pop(session, None)
            elif now - first_unread.setdefault(session, now) >= self.max_age_s:
                pending.pop(session, None)
                queue.pending_event_ids_session.pop(session, None)
                first_unread.pop(session, None)
                dropped.append(session)
        for session in set(first_unread) - set(pending):
            del first_unread[session]
        return dropped

    async def run(self, queue) -> None:
        """Sweep every `period_s` seconds, in the server's event loop (where the queue lives)."""
        first_unread: dict[str, float] = {}
        while True:
            self.sweep(queue, first_unread, time.monotonic())
            await asyncio.sleep(self.period_s)
