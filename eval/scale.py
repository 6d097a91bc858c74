"""`python -m eval.scale PATH_TO_QMSUM [--times N] [--home DIR] [--limit N] [--cold] [--json FILE]`

The scale table: the project's corpus plus every QMSum meeting (all splits) as one corpus,
`--times N` repeating the meetings under new ids. Each figure is measured in a child process
of its own, so that one phase's memory does not count for another:
- build: `Pipeline.warm_up` building the index (progress bar on stderr), seconds, peak RSS,
  and how many texts were embedded (the rest came from the embedding cache; `--cold` empties
  it first, so the embedding rate of this machine is measured);
- index size on disk;
- serve: warm answer p50/p95 over a fixed question set (the first QMSum specific queries of
  each split and the summit's dev questions, asked of the whole corpus, each once), then a
  load run: 20 clients over real HTTP to the app's /ask on 127.0.0.1; peak RSS of the server.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from eval.metrics import percentile

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "eval" / "questions.jsonl"
QMSUM_QUERIES = 10          # specific queries per split in the fixed question set
CLIENTS, PER_CLIENT = 20, 5
READY_S = 300               # how long the app may take to answer its first request


def peak_rss() -> int:
    """This process's peak resident set size in bytes (Linux reports kilobytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def fixed_questions(qmsum: Path) -> list[str]:
    """The first QMSUM_QUERIES specific queries of each split, then the summit's dev questions
    without history (a follow-up's answer depends on its history, not on the corpus size)."""
    from eval.qmsum import SPLITS, meeting_files
    out = []
    for split in SPLITS:
        found = []
        for f in meeting_files(qmsum, split):
            found += [q["query"] for q in json.loads(f.read_text(encoding="utf-8")).get("specific_query_list", [])]
            if len(found) >= QMSUM_QUERIES:
                break
        out += found[:QMSUM_QUERIES]
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    out += [r["question"] for r in rows if r.get("split") == "dev" and not r.get("history")]
    return out


def _pipeline(home: Path):
    from rag.config import from_env
    from rag.pipeline import Pipeline
    return Pipeline(from_env(home=home, corpus_dir=home / "corpus"))


# ----------------------------------------------------------------- the phases, each in a child process

def phase_build(home: Path) -> dict:
    from index.embedding_cache import EmbeddingCache
    pipeline = _pipeline(home)
    cache = EmbeddingCache(pipeline.config.embedding_cache)
    held = len(cache)
    t0 = time.perf_counter()
    pipeline.warm_up(progress=True)
    seconds = time.perf_counter() - t0
    index = pipeline.index
    return {"build_s": round(seconds, 1), "index_build_s": index.manifest.get("build_seconds"),
            "chunks": len(index.chunks), "sentences": len(index.sentences),
            "documents": len(pipeline.corpus.texts), "embedded": len(cache) - held,
            "index_bytes": folder_bytes(pipeline.config.index_dir), "peak_rss_bytes": peak_rss()}


def phase_serve(home: Path, qmsum: Path, clients: int, per_client: int) -> dict:
    t0 = time.perf_counter()
    pipeline = _pipeline(home).warm_up(progress=False)
    out = {"load_s": round(time.perf_counter() - t0, 1), "rss_after_load_bytes": peak_rss()}
    questions = fixed_questions(qmsum)
    pipeline.answer("warm up")
    times, alone = [], {}
    for q in questions:
        t0 = time.perf_counter()
        alone[q] = pipeline.answer(q).answer
        times.append((time.perf_counter() - t0) * 1000)
    out |= {"questions": len(questions), "warm_p50_ms": round(percentile(times, 50), 1),
            "warm_p95_ms": round(percentile(times, 95), 1), "chunk_store": pipeline.index.manifest.get("chunk_store")}
    out |= dense_search(pipeline, questions)
    if clients:
        try:
            out["load"] = load_run(pipeline, questions, alone, clients, per_client)
        except Exception as err:   # the figures above still count; say why there is no load run
            out["load_error"] = f"{type(err).__name__}: {err}"[:300]
    out["peak_rss_bytes"] = peak_rss()
    return out


def dense_search(pipeline, questions: list[str], k: int = 30) -> dict:
    """The chunk store's top k per question against the exact top k over every chunk's vector,
    and the time of each search: recall@k (1.0 for a flat index; a chunk found counts when it is
    as similar as the exact k-th, since repeated texts tie), p50 in ms."""
    import numpy as np
    from index.graph import DistinctGraph
    store = pipeline.index.vectors
    everything = np.arange(store.ntotal)
    recalls, search_ms, flat_ms = [], [], []
    for q in questions:
        v = pipeline.retriever.dense.vector(q)
        t0 = time.perf_counter()
        sims, _ = store.search(v, k)
        search_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        exact = store.exact(v, everything, k)[0] if isinstance(store, DistinctGraph) else store.search(v, k)[0][0]
        flat_ms.append((time.perf_counter() - t0) * 1000)
        recalls.append(float(np.mean(sims[0] >= exact[-1] - 1e-6)))
    return {f"dense_recall@{k}": round(float(np.mean(recalls)), 4),
            "dense_search_p50_ms": round(percentile(search_ms, 50), 2),
            "flat_search_p50_ms": round(percentile(flat_ms, 50), 2)}


def load_run(pipeline, questions: list[str], alone: dict[str, str], clients: int, per_client: int) -> dict:
    """`clients` gradio clients on loopback, each asking `per_client` questions of the set in turn;
    every answer is compared with the one the question gets alone."""
    import socket

    from gradio_client import Client

    from app import build_app

    import httpx

    asked = questions[: clients * per_client]
    demo = build_app(pipeline)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Gradio's own start check gives the page 3 s, which a large corpus on a busy machine can
    # exceed; wait for it here instead, up to READY_S.
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, _frontend=False)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.perf_counter() + READY_S
    while True:
        try:
            if httpx.get(url + "config", timeout=30).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.perf_counter() > deadline:
            demo.close()
            raise RuntimeError(f"the app at {url} did not answer within {READY_S} s")
        time.sleep(1)
    results, lock = [], threading.Lock()
    ready = threading.Barrier(clients + 1)

    def run(c: int) -> None:
        client = Client(url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 300})
        try:
            ready.wait()
            for j in range(per_client):
                q = asked[(c * per_client + j) % len(asked)]
                t0 = time.perf_counter()
                try:
                    got, err = client.predict(q, [], api_name="/ask"), None
                except Exception as e:  # counted below
                    got, err = None, f"{type(e).__name__}: {e}"[:200]
                with lock:
                    results.append((time.perf_counter() - t0, q, got, err))
        finally:
            client.close()

    try:
        with ThreadPoolExecutor(clients) as pool:
            futures = [pool.submit(run, c) for c in range(clients)]
            ready.wait()
            t0 = time.perf_counter()
            for f in futures:
                f.result()
            wall = time.perf_counter() - t0
    finally:
        demo.close()
    lat = [s for s, _, _, _ in results]
    errors = [e for _, _, _, e in results if e]
    wrong = [q for _, q, got, e in results if not e and got["answer"] != alone[q]]
    return {"clients": clients, "answers": len(results), "wall_s": round(wall, 1),
            "throughput_qps": round(len(results) / wall, 2),
            "p50_s": round(percentile(lat, 50), 2), "p95_s": round(percentile(lat, 95), 2),
            "mean_s": round(statistics.fmean(lat), 2), "errors": len(errors), "wrong": len(wrong),
            "first_error": errors[0] if errors else None}


# ----------------------------------------------------------------- the parent

def child(phase: str, home: Path, cache: Path, *extra: str) -> dict:
    """Run one phase in a fresh interpreter; its last stdout line is the JSON result."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
               RAG_EMBEDDING_CACHE=str(cache))
    proc = subprocess.run([sys.executable, "-m", "eval.scale", "--phase", phase, "--home", str(home), *extra],
                          cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"phase {phase} exited with {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(qmsum: Path, home: Path, cache: Path, times: int, limit: int | None, cold: bool, load: bool,
            splits: tuple[str, ...]) -> dict:
    from eval.scale_corpus import build_large_corpus
    from rag.config import from_env
    home.mkdir(parents=True, exist_ok=True)
    models = home / "models"
    if not models.exists():
        models.symlink_to(from_env().models_dir.resolve())   # the converted model is shared
    t0 = time.perf_counter()
    large = build_large_corpus(qmsum, REPO / "corpus", home / "corpus", times, splits, limit)
    out = {"times": times, "splits": list(splits), "documents": large.documents, "meetings": len(large.meetings),
           "characters": large.characters, "import_s": round(time.perf_counter() - t0, 1)}
    if cold:
        for f in cache.parent.glob(cache.name + "*"):
            f.unlink()
    shutil.rmtree(home / "index", ignore_errors=True)
    out["build"] = child("build", home, cache)
    out["build"]["cache"] = "cold" if cold else "as found"
    if out["build"]["embedded"]:
        out["build"]["embedded_per_s"] = round(out["build"]["embedded"] / out["build"]["build_s"], 1)
    out["serve"] = child("serve", home, cache, "--qmsum", str(qmsum), *([] if load else ["--clients", "0"]))
    return out


def table(r: dict) -> str:
    gb = 1024 ** 3
    b, s = r["build"], r["serve"]
    rows = [("corpus", f"{r['documents']} documents ({r['meetings']} meetings of {'+'.join(r['splits'])} x {r['times']}), "
                       f"{r['characters'] / 1e6:.1f} M characters"),
            ("chunks / sentence units", f"{b['chunks']} / {b['sentences']}"),
            (f"build ({b['cache']} cache)", f"{b['build_s']} s, {b['embedded']} texts embedded"
                                           + (f" ({b['embedded_per_s']}/s)" if b.get("embedded_per_s") else "")),
            ("index size on disk", f"{b['index_bytes'] / 1e6:.0f} MB"),
            ("peak RSS building", f"{b['peak_rss_bytes'] / gb:.2f} GB"),
            ("serving: load", f"{s['load_s']} s, RSS {s['rss_after_load_bytes'] / gb:.2f} GB"),
            (f"warm answer p50 / p95 ({s['questions']} questions)", f"{s['warm_p50_ms']:.0f} / {s['warm_p95_ms']:.0f} ms"),
            ("peak RSS serving", f"{s['peak_rss_bytes'] / gb:.2f} GB"),
            (f"chunk store: {s['chunk_store']['type']}", f"recall@30 vs flat {s['dense_recall@30']}, search p50 "
                                                       f"{s['dense_search_p50_ms']} ms (flat {s['flat_search_p50_ms']} ms)")]
    if s.get("load_error"):
        rows.append(("load run", f"not run: {s['load_error']}"))
    if s.get("load"):
        ld = s["load"]
        rows.append((f"load: {ld['clients']} clients, {ld['answers']} answers",
                     f"{ld['throughput_qps']} q/s, p50 {ld['p50_s']} s, p95 {ld['p95_s']} s, "
                     f"{ld['errors']} errors, {ld['wrong']} differing answers"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.scale", description=__doc__.split("\n\n")[1])
    p.add_argument("qmsum", type=Path, nargs="?", help="a QMSum checkout (the folder holding data/ALL)")
    p.add_argument("--times", type=int, default=1, help="repeat the meetings this many times (default 1)")
    p.add_argument("--home", type=Path, help="where the corpus, index and cache go (default RAG_HOME/scale-xN)")
    p.add_argument("--splits", default="train,val,test", help="QMSum splits to include (default: all)")
    p.add_argument("--limit", type=int, help="only the first N meetings of each split (to develop)")
    p.add_argument("--cache", type=Path, help="the embedding cache, shared by the runs "
                   "(default RAG_HOME/scale-embeddings.sqlite)")
    p.add_argument("--cold", action="store_true", help="empty the embedding cache first")
    p.add_argument("--no-load", action="store_true", help="skip the 20-client load run")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    p.add_argument("--phase", choices=("build", "serve"), help=argparse.SUPPRESS)
    p.add_argument("--qmsum", dest="qmsum_path", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--clients", type=int, default=CLIENTS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.phase == "build":
        print(json.dumps(phase_build(args.home)))
        return 0
    if args.phase == "serve":
        print(json.dumps(phase_serve(args.home, args.qmsum_path, args.clients, PER_CLIENT)))
        return 0
    if args.qmsum is None:
        p.error("the path of a QMSum checkout is required")
    if args.times < 1:
        p.error(f"--times must be at least 1, got {args.times}")
    from rag.config import from_env
    home = args.home or from_env().home / f"scale-x{args.times}"
    cache = args.cache or from_env().home / "scale-embeddings.sqlite"
    try:
        report = measure(args.qmsum, home.resolve(), cache.resolve(), args.times, args.limit, args.cold, not args.no_load,
                         tuple(x for x in args.splits.split(",") if x))
    except (OSError, ValueError, RuntimeError) as err:
        print(f"eval.scale: {err}", file=sys.stderr)
        return 2
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
