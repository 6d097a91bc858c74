"""Showing the results: tables for the terminal, and a report folder for a maintainer.

    DIR/results.jsonl           one line per question: its id and the full `rag ask --json` object
    DIR/baseline-results.jsonl  the same for the baseline (with --baseline)
    DIR/metrics.json            the metrics object `python -m eval --json` prints, plus per-question scores
    DIR/metrics_by_type.png     a bar chart of the main metrics per question type
    DIR/report.md               the tables, the chart and every failed question: expected vs returned
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from eval.metrics import LATENCY, METRICS, what_went_wrong
from eval.runner import Row

SHORT = {  # column headers of the breakdown tables
    "n": "n", "hit@1": "hit@1", "hit@3": "hit@3", "hit@5": "hit@5", "mrr@10": "MRR@10",
    "citation_precision_strict": "cite", "citation_precision_quote": "cite-q",
    "citation_precision_speaker": "cite-spk", "attribution_accuracy": "attrib",
    "abstention_accuracy": "abstain", "key_fact_coverage": "facts", "yesno_accuracy": "y/n",
    "key_point_coverage": "points", "summary_passages": "passages", "repeated_quote": "repeats",
    "error_rate": "errors",
    "latency_p50_ms": "p50 ms", "latency_p95_ms": "p95 ms",
}
CHART_METRICS = ("hit@5", "mrr@10", "citation_precision_strict", "attribution_accuracy",
                 "abstention_accuracy", "key_fact_coverage")
GROUPS = (("by_type", "type"), ("by_lang", "lang"), ("by_split", "split"), ("by_tag", "tag"),
          ("by_turn", "turn"))


# ------------------------------------------------------------------------------- formatting

def fmt(name: str, value) -> str:
    if value is None:
        return "-"
    if name == "n" or name == "n_answerable":
        return str(value)
    if name.startswith("latency") or name.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def fmt_diff(name: str, value) -> str:
    if value is None:
        return "-"
    return f"{value:+.0f}" if name.startswith("latency") else f"{value:+.3f}"


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def table(headers: list[str], rows: list[list[str]], markdown: bool = False) -> str:
    """Rows of strings as an aligned plain-text table, or a Markdown pipe table."""
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(_width(str(c)) for c in col) for col in zip(headers, *rows)]

    def line(cells):
        out = [c + " " * (w - _width(c)) if i == 0 else " " * (w - _width(c)) + c
               for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def overall_table(summary: dict, baseline: dict | None = None, diff: dict | None = None,
                  markdown: bool = False) -> str:
    """One row per metric: the project's value (and the baseline's, and the difference)."""
    headers = ["metric", "project"] + (["baseline", "difference"] if baseline is not None else [])
    rows = []
    for name, label in {"n": "questions", "n_answerable": "answerable", **METRICS, **LATENCY}.items():
        row = [label, fmt(name, summary.get(name))]
        if baseline is not None:
            row.append(fmt(name, baseline.get(name)))
            row.append(fmt_diff(name, diff.get(name)) if diff and name in diff else "")
        rows.append(row)
    return table(headers, rows, markdown)


def breakdown_table(groups: dict, title: str, markdown: bool = False) -> str:
    """One row per group (type, language or split), one column per metric."""
    headers = [title] + list(SHORT.values())
    rows = [[g] + [fmt(k, m.get(k)) for k in SHORT] for g, m in groups.items()]
    return table(headers, rows, markdown)


def render_tables(report: dict, markdown: bool = False) -> str:
    """Every table of a metrics object (the one `--json` prints)."""
    m = report["metrics"]
    base = report.get("baseline")
    h = "### " if markdown else "== "
    parts = [h + ("Overall: project vs baseline" if base else "Overall"),
             overall_table(m["overall"], base["metrics"]["overall"] if base else None,
                           report.get("difference"), markdown)]
    for key, title in GROUPS:
        if m.get(key):
            parts += [h + f"By {title}", breakdown_table(m[key], title, markdown)]
    if base:
        for key, title in GROUPS[:1]:
            parts += [h + f"Baseline by {title}", breakdown_table(base["metrics"][key], title, markdown)]
    return "\n\n".join(parts)


# ------------------------------------------------------------------------------- the folder

def write_report(folder: Path, report: dict, rows: list[Row], baseline_rows: list[Row] | None = None) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_results(folder / "results.jsonl", rows)
    if baseline_rows is not None:
        _write_results(folder / "baseline-results.jsonl", baseline_rows)
    full = dict(report, per_question=[{"id": r.question.id, **r.scores.to_json()} for r in rows])
    (folder / "metrics.json").write_text(json.dumps(full, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    chart = folder / "metrics_by_type.png"
    write_chart(chart, report["metrics"]["by_type"])
    (folder / "report.md").write_text(markdown_report(report, rows, chart.name), encoding="utf-8")


def _write_results(path: Path, rows: list[Row]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"id": r.question.id, **r.answer}, ensure_ascii=False) + "\n")


def write_chart(path: Path, by_type: dict) -> None:
    """Grouped bars: one group per question type, one bar per metric (undefined ones left out)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    types = list(by_type)
    fig, ax = plt.subplots(figsize=(11, 4.8), dpi=110)
    width = 0.8 / len(CHART_METRICS)
    for j, name in enumerate(CHART_METRICS):
        xs = [i + (j - (len(CHART_METRICS) - 1) / 2) * width for i in range(len(types))]
        ys = [by_type[t].get(name) for t in types]
        bars = ax.bar([x for x, y in zip(xs, ys) if y is not None], [y for y in ys if y is not None],
                      width, label=METRICS[name])
        # a zero is a bar of no height: say so, so it is not read as "undefined"
        ax.bar_label(bars, labels=["0" if b.get_height() == 0 else "" for b in bars], fontsize=7)
    ax.set_xticks(range(len(types)), [f"{t}\n(n={by_type[t]['n']})" for t in types])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score (mean over questions)")
    ax.set_title("Metrics per question type")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def markdown_report(report: dict, rows: list[Row], chart_name: str) -> str:
    failed = [(r, what_went_wrong(r.question, r.scores)) for r in rows]
    failed = [(r, why) for r, why in failed if why]
    head = [
        "# Evaluation report", "",
        f"- questions: `{report['questions']}` (split `{report['split']}`), {report['evaluated']} evaluated, "
        f"{len(report['skipped_lines'])} lines skipped",
        f"- model: `{report['model']}`, hits asked for: {report['top_k']}",
    ]
    if report.get("baseline"):
        head.append(f"- baseline: {report['baseline']['name']}")
    for p in report["skipped_lines"]:
        head.append(f"- skipped line {p['line']}: {p['message']}")
    head += ["", f"{len(failed)} of {len(rows)} questions failed at least one check "
             "(abstention, evidence in the top 5, attribution, full key-fact coverage, yes/no, key points).",
             f"{sum(1 for r in rows if r.scores.error)} raised an error.", ""]
    body = [render_tables(report, markdown=True), "", "### Metrics per question type", "",
            f"![metrics per question type]({chart_name})", "", "## Failed questions", ""]
    if not failed:
        body.append("None.")
    for r, why in failed:
        body += _failure(r, why)
    return "\n".join(head + body).rstrip() + "\n"


def _failure(r: Row, why: list[str]) -> list[str]:
    q, a = r.question, r.answer
    out = [f"### {q.id} ({q.type}, {q.lang}): {'; '.join(why)}", "", f"**Question:** {q.question}"]
    if q.history:
        out.append(f"**History:** {' / '.join(q.history)}")
    if q.key_points:
        out.append(f"**Key points:** {' / '.join('|'.join(p) for p in q.key_points)}")
    out += ["", "Expected:", "",
            f"- speakers: {', '.join(q.speakers) or '(none: should decline)'}",
            f"- evidence: {' / '.join(f'`{e}`' for e in q.evidence) or '-'}",
            f"- key facts: {' / '.join(f'`{k}`' for k in q.key_facts) or '-'}", "", "Returned:", ""]
    if "error" in a:
        return out + [f"- error: `{a['error']}`", ""]
    s = r.scores
    out += [f"- abstained: {a.get('abstained')}; speakers: {', '.join(a.get('speakers', [])) or '-'}; "
            f"cited: {', '.join(c['speaker'] for c in a.get('citations', [])) or '-'}",
            f"- scores: hit@5 {fmt('x', s.hit_at_5)}, MRR {fmt('x', s.mrr_at_10)}, attribution "
            f"{fmt('x', s.attribution)}, key facts {fmt('x', s.key_facts)}, {s.latency_ms:.0f} ms",
            "- top 3 hits:"]
    for h in a.get("hits", [])[:3]:
        out.append(f"  {h.get('rank', '?')}. {h['speaker']}: {_one_line(h['text'])[:60]}")
    out += ["- answer:", "", "```text", a.get("answer", "").replace("```", "'''"), "```", ""]
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())
