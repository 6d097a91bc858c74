"""`python -m eval.bench [--json] [--questions PATH] [--cold-runs N]`: speed and memory on this machine.

Measured in one run, with the model already provisioned:
- index build: `index.store.build_index` into a temporary folder, the model already loaded;
- cold start: wall time of `python -m rag ask "..." --json` as a child process, index already
  built (median of --cold-runs runs; each run's time is shown);
- warm ask: `pipeline.answer(question, history)` per question, each question asked once (the
  dense retriever caches query vectors, so asking twice would time the cache);
- query embedding alone, the floor: `pipeline.embedder.embed_queries([question])`;
- the baseline (eval.baseline) warm answer with the same model;
  the three are interleaved question by question, so a busy machine slows them alike;
- peak RSS: the cold-start children's, sampled with psutil, and this process's (getrusage)
  once before the baseline is built (the project alone: model, index, a rebuild) and at the
  end; the goal is judged on the project's numbers, the end figure is shown for information
  (embedding the baseline's 500-character chunks in batches costs memory of its own).
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
    "peak_rss": ("peak RSS < 1.5 GB (rag ask child; pipeline + rebuild)", 1.5 * 1024 ** 3),
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


def cold_starts(question: str, runs: int) -> tuple[list[float], int]:
    """Seconds from spawning `python -m rag ask QUESTION --json` to its exit, per run, and the
    children's peak RSS in bytes. The RSS is sampled with psutil: getrusage's figure for
    children counts the parent's pages a forked child held before exec."""
    import psutil

    times, peak = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = psutil.Popen([sys.executable, "-m", "rag", "ask", question, "--json"], cwd=REPO,
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


def measure(questions_path: Path, cold_runs: int = 3) -> dict:
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
           "pipeline_warm_up_s": load_s}

    # Warm latency first, on the path the app and `rag ask` take (queries through the light
    # encoder; building an index below loads sentence-transformers, which then serves queries).
    ask, embed = [], []
    for q in questions:
        t0 = time.perf_counter()
        pipeline.embedder.embed_queries([q.question])
        embed.append(_ms(t0))
        t0 = time.perf_counter()
        pipeline.answer(q.question, list(q.history))
        ask.append(_ms(t0))
    out["peak_rss_serving_bytes"] = _maxrss_bytes(resource.RUSAGE_SELF)

    settings = ChunkSettings(config.chunk_size, config.chunk_overlap)
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        t0 = time.perf_counter()
        build_index(pipeline.corpus, pipeline.embedder, settings, Path(tmp) / "index", progress=False)
        out["index_build_s"] = time.perf_counter() - t0
        out["index_chunks"] = json.loads((Path(tmp) / "index" / "manifest.json").read_text())["chunk_count"]

    # the project's own peak: model, index load and a rebuild, before the baseline exists
    out["peak_rss_pipeline_bytes"] = _maxrss_bytes(resource.RUSAGE_SELF)
    runs, child_peak = cold_starts(questions[0].question, cold_runs)
    out["cold_start_runs_s"] = runs
    out["cold_start_s"] = percentile(runs, 50)
    out["cold_start_question"] = questions[0].question

    baseline = Baseline.from_pipeline(pipeline)
    t0 = time.perf_counter()
    baseline.warm_up()
    out["baseline_build_s"] = time.perf_counter() - t0
    base, embed_st = [], []
    for q in questions:  # the baseline's queries go through sentence-transformers, loaded by now
        t0 = time.perf_counter()
        pipeline.embedder.embed_queries([q.question])
        embed_st.append(_ms(t0))
        t0 = time.perf_counter()
        baseline.answer(q.question, list(q.history))
        base.append(_ms(t0))
    for name, xs in (("warm_ask", ask), ("embed_query", embed), ("baseline_warm", base),
                     ("embed_query_st", embed_st)):
        out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = percentile(xs, 50), percentile(xs, 95)
    out["peak_rss_self_bytes"] = _maxrss_bytes(resource.RUSAGE_SELF)
    out["peak_rss_cold_start_bytes"] = child_peak
    out["goals"] = goals(out)
    return out


def goals(m: dict) -> dict:
    """Each goal: target, measured value, met (True/False)."""
    ratio = m["warm_ask_p50_ms"] / m["embed_query_p50_ms"]
    vs_base = m["warm_ask_p50_ms"] / m["baseline_warm_p50_ms"]
    rss = max(m["peak_rss_pipeline_bytes"], m["peak_rss_cold_start_bytes"])
    measured = {"warm_vs_embed": ratio, "warm_vs_baseline": vs_base, "index_build": m["index_build_s"],
                "cold_start": m["cold_start_s"], "peak_rss": rss}
    return {k: {"goal": desc, "target": target, "measured": measured[k], "met": measured[k] <= target}
            for k, (desc, target) in GOALS.items()}


def render(m: dict) -> str:
    from eval.report import table

    mach = m["machine"]
    gb = 1024 ** 3
    runs = ", ".join(f"{x:.1f}" for x in m["cold_start_runs_s"])
    rows = [
        ["pipeline warm-up in this process (model + index load)", f"{m['pipeline_warm_up_s']:.1f} s"],
        ["index build into a temp folder (model loaded)", f"{m['index_build_s']:.1f} s ({m['index_chunks']} chunks)"],
        ["cold start to first answer (`python -m rag ask`)", f"{m['cold_start_s']:.1f} s (median; runs: {runs})"],
        ["warm ask p50 / p95", f"{m['warm_ask_p50_ms']:.0f} / {m['warm_ask_p95_ms']:.0f} ms"],
        ["query embedding alone p50 / p95", f"{m['embed_query_p50_ms']:.0f} / {m['embed_query_p95_ms']:.0f} ms"],
        ["query embedding via sentence-transformers p50 / p95",
         f"{m['embed_query_st_p50_ms']:.0f} / {m['embed_query_st_p95_ms']:.0f} ms"],
        ["baseline warm answer p50 / p95", f"{m['baseline_warm_p50_ms']:.0f} / {m['baseline_warm_p95_ms']:.0f} ms"],
        ["baseline build in memory (split + embed)", f"{m['baseline_build_s']:.1f} s"],
        ["peak RSS, `rag ask` child", f"{m['peak_rss_cold_start_bytes'] / gb:.2f} GB"],
        ["peak RSS, this process serving (warm-up + asks)", f"{m['peak_rss_serving_bytes'] / gb:.2f} GB"],
        ["peak RSS, this process: pipeline + index rebuild", f"{m['peak_rss_pipeline_bytes'] / gb:.2f} GB"],
        ["peak RSS, this process at the end (+ baseline, asks)", f"{m['peak_rss_self_bytes'] / gb:.2f} GB"],
    ]
    goal_rows = []
    for k, g in m["goals"].items():
        if k == "peak_rss":
            value = f"{g['measured'] / gb:.2f} GB"
        elif k.startswith("warm"):
            value = f"{g['measured']:.2f}x"
        else:
            value = f"{g['measured']:.1f} s"
        goal_rows.append([g["goal"], value, "met" if g["met"] else "MISSED"])
    load, end = mach["load_average"], mach.get("load_average_end")
    head = [f"Benchmark, {mach['date']}",
            f"machine: {mach['cpus']} CPUs, {mach['platform']}, Python {mach['python']}"
            + (f"; load average (1/5/15 min) {' '.join(map(str, load))} at the start" if load else "")
            + (f", {' '.join(map(str, end))} at the end" if end else ""),
            f"model: {m['model']}; {m['n_questions']} questions from {m['questions']}, each asked once", ""]
    return "\n".join(head) + table(["measure", "value"], rows) + "\n\n" + table(["goal", "measured", ""], goal_rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__.splitlines()[0])
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--cold-runs", type=int, default=3, help="cold starts to time (default 3)")
    args = p.parse_args(argv)
    if args.cold_runs < 1:
        print(f"eval.bench: --cold-runs must be at least 1, got {args.cold_runs}", file=sys.stderr)
        return 2
    try:
        m = measure(args.questions, args.cold_runs)
    except (OSError, ValueError, RuntimeError) as err:
        print(f"eval.bench: {err}", file=sys.stderr)
        return 2
    m["machine"]["load_average_end"] = machine()["load_average"]
    print(json.dumps(m, ensure_ascii=False, indent=2) if args.json else render(m))
    return 0


if __name__ == "__main__":
    sys.exit(main())
