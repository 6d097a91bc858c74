"""The live app under load: 20 clients ask 200 questions at once through `/ask`, and every answer
is the one the same question gets alone. Prints throughput and latency; writes test-artifacts/load.json."""
from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "eval" / "questions.jsonl"
ARTIFACTS = REPO / "test-artifacts"

CLIENTS = 20
PER_CLIENT = 10             # 200 questions in all
DISTINCT = {"zh": 7, "zh-hant": 6, "en": 7}  # 20 questions, follow-ups with their history among them
FOLLOWUPS_PER_LANG = 2
DEADLINE_S = 240            # the whole load phase, client start-up included
REQUEST_TIMEOUT_S = 60      # one question, waiting in the queue included


def pick_questions() -> list[dict]:
    """The first questions of each language in file order, the first follow-ups (with history) among them."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = []
    for lang, n in DISTINCT.items():
        mine = [r for r in rows if r["lang"] == lang]
        followups = [r for r in mine if r.get("history")][:FOLLOWUPS_PER_LANG]
        plain = [r for r in mine if not r.get("history")][:n - len(followups)]
        picked += followups + plain
    return picked


def essentials(answer: dict) -> dict:
    """What must not change under load: the text, who said it, what is cited, and what was retrieved."""
    return {"question": answer["question"], "rewritten": answer["rewritten_question"],
            "answer": answer["answer"], "abstained": answer["abstained"], "speakers": answer["speakers"],
            "citations": [(c["n"], c["chunk_id"], c["quote"], c["start"], c["end"]) for c in answer["citations"]],
            "hits": [h["chunk_id"] for h in answer["hits"]], "notices": answer["notices"]}


def test_question_mix():
    questions = pick_questions()
    assert len(questions) == 20 == len({q["question"] for q in questions})
    assert Counter(q["lang"] for q in questions) == Counter(DISTINCT)
    assert sum(bool(q.get("history")) for q in questions) == FOLLOWUPS_PER_LANG * len(DISTINCT)


def test_the_queue_takes_twenty_clients(live_app):
    from app import QUEUE_CONCURRENCY
    _, demo = live_app
    assert demo._queue.max_size is None or demo._queue.max_size >= CLIENTS
    assert demo._queue.default_concurrency_limit == QUEUE_CONCURRENCY


def test_200_questions_from_20_clients_get_the_answers_they_get_alone(live_app, pipeline):
    from gradio_client import Client

    url, demo = live_app
    questions = pick_questions()
    expected = [essentials(pipeline.answer(q["question"], q.get("history", [])).to_json()) for q in questions]
    # Forget the cached query vectors, so that the load phase embeds questions concurrently too.
    dense = pipeline.retriever.dense
    with dense._lock:
        dense._cache.clear()

    stop = threading.Event()
    ready = threading.Barrier(CLIENTS + 1, timeout=DEADLINE_S)
    results = []             # (question index, seconds, answer dict or None, error text or None)
    results_lock = threading.Lock()

    def client_run(c: int) -> None:
        try:
            client = Client(url, verbose=False, analytics_enabled=False,
                            httpx_kwargs={"timeout": REQUEST_TIMEOUT_S})
        except BaseException:
            ready.abort()  # nobody waits for a client that will never come
            raise
        try:
            ready.wait()
            for j in range(PER_CLIENT):
                if stop.is_set():
                    return
                i = (c * PER_CLIENT + j) % len(questions)  # clients 0, 2, 4... ask the same at once
                q = questions[i]
                t0 = time.perf_counter()
                job = client.submit(q["question"], q.get("history", []), api_name="/ask")
                try:
                    answer, error = job.result(timeout=REQUEST_TIMEOUT_S), None
                except Exception as err:  # an error is a result here; the test counts them
                    job.cancel()
                    answer, error = None, f"{type(err).__name__}: {err}"[:300]
                with results_lock:
                    results.append((i, time.perf_counter() - t0, answer, error))
        finally:
            client.close()

    pool = ThreadPoolExecutor(CLIENTS, thread_name_prefix="load-client")
    started = time.perf_counter()
    try:
        futures = [pool.submit(client_run, c) for c in range(CLIENTS)]
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            pass  # a client failed to start; its future below says why
        t0 = time.perf_counter()
        done, pending = wait(futures, timeout=max(1.0, DEADLINE_S - (t0 - started)))
        wall = time.perf_counter() - t0
    finally:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
    failures = [f.exception() for f in done if f.exception() is not None]
    if failures:  # a client that could not start; the others then saw a broken barrier
        raise next((e for e in failures if not isinstance(e, threading.BrokenBarrierError)), failures[0])
    assert not pending, f"the load did not finish within {DEADLINE_S} s ({len(results)} answers so far)"

    errors = [(questions[i]["id"], e) for i, _, _, e in results if e is not None]
    wrong = [(questions[i]["id"], a["answer"][:80]) for i, _, a, e in results
             if e is None and essentials(a) != expected[i]]
    latencies = sorted(s for _, s, _, _ in results)
    pct = statistics.quantiles(latencies, n=100, method="inclusive")
    report = {"clients": CLIENTS, "questions": len(results), "distinct_questions": len(questions),
              "queue_concurrency": demo._queue.default_concurrency_limit,
              "queue_max_size": demo._queue.max_size, "wall_s": round(wall, 2),
              "throughput_qps": round(len(results) / wall, 2),
              "latency_s": {"p50": round(pct[49], 3), "p95": round(pct[94], 3),
                            "max": round(latencies[-1], 3), "mean": round(statistics.fmean(latencies), 3)},
              "errors": len(errors), "wrong_answers": len(wrong)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nload: {report['questions']} questions from {CLIENTS} clients in {report['wall_s']} s = "
          f"{report['throughput_qps']} questions/s; latency p50 {report['latency_s']['p50']} s, "
          f"p95 {report['latency_s']['p95']} s, max {report['latency_s']['max']} s; "
          f"{len(errors)} errors, {len(wrong)} wrong answers")

    assert errors == []
    assert wrong == []
    assert len(results) == CLIENTS * PER_CLIENT
    assert Counter(i for i, _, _, _ in results) == Counter({i: CLIENTS * PER_CLIENT // len(questions)
                                                            for i in range(len(questions))})
