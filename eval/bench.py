"""`python -m eval.bench [--json] [--busy] [--questions PATH] [--cold-runs N]`: speed and memory on this machine.

Measured in one run, with the model already provisioned:
- warm ask: `pipeline.answer(question, history)` per question, each question asked once per
  pass (the dense retriever's query cache is emptied before each pass, so no pass times the cache);
- query embedding alone, the floor: `pipeline.embedder.embed_queries([question])`, interleaved
  with the asks question by question, so a busy machine slows both alike;
- index build: `index.store.build_index` into a temporary folder, then every question asked
  again (serving after a rebuild);
- cold start: wall time of `python -m rag ask "..." --json` as a child process, index already
  built (median of --cold-runs runs; each run's time is shown);
- first run: the same child with an empty home folder (model conversion + index build + answer);
- the baseline (eval.baseline) warm answer with the same model;
- peak RSS: the children's, sampled with psutil, and this process's (getrusage) after serving,
  rebuilding and serving again, before the baseline is built.
With --busy, a CPU-bound neighbour process (one core spinning) runs while the warm asks, the
cold start and the first run are measured a second time, reported beside the quiet figures.
Goals are checked against the measured numbers and reported met or missed.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eval.dataset import load_questions
from eval.metrics import percentile

REPO = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"
GOALS = {  # name -> (description, target)
    "warm_vs_embed": ("warm ask p50 <= 2 x query embedding p50", 2.0),
    "warm_vs_baseline": ("warm ask p50 <= baseline warm p50", 1.0),
    "index_build": ("index rebuild < 30 s", 30.0),
    "cold_start": ("cold start to first answer < 10 s", 10.0),
    "peak_rss": ("peak RSS <= 1.2 GB (rag ask child; serve + rebuild + serve)", 1.2 * 1024 ** 3),
    "busy_p95": ("busy warm ask p95 <= 3 x quiet warm ask p50", 3.0),
}


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "load_average": [round(x, 2) for x in load] if load else None}


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _maxrss_bytes(who: int) -> int:
    """Peak resident set size; Linux reports kilobytes, macOS bytes."""
    peak = resource.getrusage(who).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def cold_starts(question: str, runs: int, home: Path | None = None) -> tuple[list[float], int]:
    """Seconds from spawning `python -m rag ask QUESTION --json` to its exit, per run, and the
    children's peak RSS in bytes. The RSS is sampled with psutil: getrusage's figure for
    children counts the parent's pages a forked child held before exec. With `home`, each run
    gets a new empty home folder under it (a first run: model conversion and index build)."""
    import psutil

    times, peak = [], 0
    for n in range(runs):
        env = dict(os.environ)
        if home is not None:
            env["RAG_HOME"] = str(Path(tempfile.mkdtemp(prefix=f"first-run-{n}-", dir=home)))
        t0 = time.perf_counter()
        proc = psutil.Popen([sys.executable, "-m", "rag", "ask", question, "--json"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while proc.poll() is None:
            try:
                peak = max(peak, proc.memory_info().rss)
            except psutil.Error:
                break
            time.sleep(0.01)
            if time.perf_counter() - t0 > 600:
                proc.kill()
        out, err = proc.communicate()
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"`python -m rag ask` exited with {proc.returncode}: {err.strip()[-500:]}")
        json.loads(out)  # it must really have answered
        times.append(elapsed)
    return times, peak


class Neighbour:
    """A CPU-bound process spinning on one core while the block runs (`with Neighbour():`)."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(1.0)   # let it settle on its core
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def warm_pass(pipeline, questions) -> tuple[list[float], list[float]]:
    """(ask ms, embedding ms) per question, each asked once, interleaved; the query cache is
    emptied first so nothing is timed from it."""
    pipeline.retriever.dense.clear_cache()
    ask, embed = [], []
    for q in questions:
        t0 = time.perf_counter()
        pipeline.embedder.embed_queries([q.question])
        embed.append(_ms(t0))
        t0 = time.perf_counter()
        pipeline.answer(q.question, list(q.history))
        ask.append(_ms(t0))
    return ask, embed


def _percentiles(out: dict, name: str, xs: list[float]) -> None:
    out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = percentile(xs, 50), percentile(xs, 95)


def measure(questions_path: Path, cold_runs: int = 3, busy: bool = False) -> dict:
    from index.chunk import ChunkSettings
    from index.store import build_index
    from rag.config import from_env
    from rag.pipeline import Pipeline

    from eval.baseline import Baseline

    questions, problems = load_questions(questions_path)
    if not questions:
        raise ValueError(f"no valid question in {questions_path}")
    config = from_env()
    t0 = time.perf_counter()
    pipeline = Pipeline(config).warm_up(progress=False)   # provisions the model, loads or builds the index
    load_s = time.perf_counter() - t0
    out = {"machine": machine(), "model": config.model, "questions": str(questions_path),
           "n_questions": len(questions), "skipped_lines": len(problems),
           "pipeline_warm_up_s": load_s, "busy": busy}

    ask, embed = warm_pass(pipeline, questions)
    _percentiles(out, "warm_ask", ask)
    _percentiles(out, "embed_query", embed)
    out["peak_rss_serving_bytes"] = _maxrss_bytes(resource.RUSAGE_SELF)

    settings = ChunkSettings(config.chunk_size, config.chunk_overlap)
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        t0 = time.perf_counter()
        build_index(pipeline.corpus, pipeline.embedder, settings, Path(tmp) / "index", progress=False)
        out["index_build_s"] = time.perf_counter() - t0
        out["index_chunks"] = json.loads((Path(tmp) / "index" / "manifest.json").read_text())["chunk_count"]
    after, _ = warm_pass(pipeline, questions)
    _percentiles(out, "warm_ask_after_rebuild", after)
    # the project's own peak: model, index, asks, a rebuild, asks again, before the baseline exists
    out["peak_rss_pipeline_bytes"] = _maxrss_bytes(resource.RUSAGE_SELF)

    runs, child_peak = cold_starts(questions[0].question, cold_runs)
    out["cold_start_runs_s"], out["cold_start_s"] = runs, percentile(runs, 50)
    out["cold_start_question"] = questions[0].question
    with tempfile.TemporaryDirectory(prefix="bench-home-") as homes:
        first, first_peak = cold_starts(questions[0].question, 1, Path(homes))
    out["first_run_s"] = first[0]
    out["peak_rss_cold_start_bytes"], out["peak_rss_first_run_bytes"] = child_peak, first_peak

    if busy:
        with Neighbour():
            out["busy_load_average"] = machine()["load_average"]
            ask, embed = warm_pass(pipeline, questions)
            _percentiles(out, "busy_warm_ask", ask)
            _percentiles(out, "busy_embed_query", embed)
            runs, _ = cold_starts(questions[0].question, cold_runs)
            out["busy_cold_start_runs_s"], out["busy_cold_start_s"] = runs, percentile(runs, 50)
            with tempfile.TemporaryDirectory(prefix="bench-home-") as homes:
                out["busy_first_run_s"] = cold_starts(questions[0].question, 1, Path(homes))[0][0]

    baseline = Baseline.from_pipeline(pipeline)
    t0 = time.perf_counter()
    baseline.warm_up()
    out["baseline_build_s"] = time.perf_counter() - t0
    base = []
    for q in questions:
        t0 = time.perf_counter()
        baseline.answer(q.question, list(q.history))
        base.append(_ms(t0))
    _percentiles(out, "baseline_warm", base)
    out["peak_rss_self_bytes"] = _maxrss_bytes(resource.RUSAGE_SELF)
    out["goals"] = goals(out)
    return out


def goals(m: dict) -> dict:
    """Each goal: target, measured value, met (True/False); the busy goal only with --busy."""
    measured = {"warm_vs_embed": m["warm_ask_p50_ms"] / m["embed_query_p50_ms"],
                "warm_vs_baseline": m["warm_ask_p50_ms"] / m["baseline_warm_p50_ms"],
                "index_build": m["index_build_s"], "cold_start": m["cold_start_s"],
                "peak_rss": max(m["peak_rss_pipeline_bytes"], m["peak_rss_cold_start_bytes"])}
    if m.get("busy"):
        measured["busy_p95"] = m["busy_warm_ask_p95_ms"] / m["warm_ask_p50_ms"]
    return {k: {"goal": desc, "target": target, "measured": measured[k], "met": measured[k] <= target}
            for k, (desc, target) in GOALS.items() if k in measured}


def render(m: dict) -> str:
    from eval.report import table

    mach = m["machine"]
    gb = 1024 ** 3

    def runs(key):
        return ", ".join(f"{x:.1f}" for x in m[key])

    def pair(name):
        return f"{m[name + '_p50_ms']:.0f} / {m[name + '_p95_ms']:.0f} ms"

    rows = [
        ["pipeline warm-up in this process (model + index load)", f"{m['pipeline_warm_up_s']:.1f} s", ""],
        ["index build into a temp folder (model loaded)", f"{m['index_build_s']:.1f} s ({m['index_chunks']} chunks)", ""],
        ["cold start to first answer (`python -m rag ask`)", f"{m['cold_start_s']:.1f} s (runs: {runs('cold_start_runs_s')})",
         f"{m['busy_cold_start_s']:.1f} s (runs: {runs('busy_cold_start_runs_s')})" if m["busy"] else ""],
        ["first run, empty home (convert model, build, answer)", f"{m['first_run_s']:.1f} s",
         f"{m['busy_first_run_s']:.1f} s" if m["busy"] else ""],
        ["warm ask p50 / p95", pair("warm_ask"), pair("busy_warm_ask") if m["busy"] else ""],
        ["query embedding alone p50 / p95", pair("embed_query"), pair("busy_embed_query") if m["busy"] else ""],
        ["warm ask after the rebuild p50 / p95", pair("warm_ask_after_rebuild"), ""],
        ["baseline warm answer p50 / p95", pair("baseline_warm"), ""],
        ["baseline build in memory (split + embed)", f"{m['baseline_build_s']:.1f} s", ""],
        ["peak RSS, `rag ask` child (cold start)", f"{m['peak_rss_cold_start_bytes'] / gb:.2f} GB", ""],
        ["peak RSS, `rag ask` child (first run: converting the model)", f"{m['peak_rss_first_run_bytes'] / gb:.2f} GB", ""],
        ["peak RSS, this process serving (warm-up + asks)", f"{m['peak_rss_serving_bytes'] / gb:.2f} GB", ""],
        ["peak RSS, this process: serve + rebuild + serve", f"{m['peak_rss_pipeline_bytes'] / gb:.2f} GB", ""],
        ["peak RSS, this process at the end (+ baseline)", f"{m['peak_rss_self_bytes'] / gb:.2f} GB", ""],
    ]
    headers = ["measure", "quiet"] + (["busy (one core spinning beside it)"] if m["busy"] else [])
    rows = [r if m["busy"] else r[:2] for r in rows]
    goal_rows = []
    for k, g in m["goals"].items():
        if k == "peak_rss":
            value = f"{g['measured'] / gb:.2f} GB"
        elif k.startswith(("warm", "busy")):
            value = f"{g['measured']:.2f}x"
        else:
            value = f"{g['measured']:.1f} s"
        goal_rows.append([g["goal"], value, "met" if g["met"] else "MISSED"])
    load, end = mach["load_average"], mach.get("load_average_end")
    head = [f"Benchmark, {mach['date']}",
            f"machine: {mach['cpus']} CPUs, {mach['platform']}, Python {mach['python']}"
            + (f"; load average (1/5/15 min) {' '.join(map(str, load))} at the start" if load else "")
            + (f", {' '.join(map(str, end))} at the end" if end else ""),
            f"model: {m['model']}; {m['n_questions']} questions from {m['questions']}, each asked once a pass", ""]
    return "\n".join(head) + table(headers, rows) + "\n\n" + table(["goal", "measured", ""], goal_rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__.splitlines()[0])
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--cold-runs", type=int, default=3, help="cold starts to time (default 3)")
    p.add_argument("--busy", action="store_true",
                   help="measure again with a CPU-bound neighbour process spinning on one core")
    args = p.parse_args(argv)
    if args.cold_runs < 1:
        print(f"eval.bench: --cold-runs must be at least 1, got {args.cold_runs}", file=sys.stderr)
        return 2
    try:
        m = measure(args.questions, args.cold_runs, args.busy)
    except (OSError, ValueError, RuntimeError) as err:
        print(f"eval.bench: {err}", file=sys.stderr)
        return 2
    m["machine"]["load_average_end"] = machine()["load_average"]
    print(json.dumps(m, ensure_ascii=False, indent=2) if args.json else render(m))
    return 0


if __name__ == "__main__":
    sys.exit(main())
