"""`python -m eval`: the runner and the report folder (fast, with a fake answerer), and the
command end to end with the real model (slow)."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest

from eval.dataset import load_questions
from eval.metrics import aggregate
from eval.report import write_report
from eval.runner import run
from tests.conftest import REPO

GOOD = [
    {"id": "t1", "question": "千问团队的开源工作是从哪一天起步的？", "lang": "zh", "type": "fact",
     "speakers": ["林俊旸"], "evidence": ["2023年8月3日开始做开源"], "key_facts": ["2023年8月3日"]},
    {"id": "t2", "question": "那他的團隊接下來選擇了哪條路線？", "lang": "zh-hant", "type": "followup",
     "speakers": ["唐杰"], "evidence": ["后来我们选了左边这条路"], "key_facts": ["Thinking"],
     "history": ["唐杰怎么看Chat时代？"], "split": "dev"},
    {"id": "t3", "question": "What is Li Guangmi's own favourite programming language?", "lang": "en",
     "type": "unanswerable", "speakers": [], "evidence": [], "key_facts": [], "split": "test"},
]
BAD_LINE = 3  # the malformed line sits between t2 and t3


@pytest.fixture
def question_file(tmp_path):
    lines = [json.dumps(x, ensure_ascii=False) for x in GOOD]
    lines.insert(BAD_LINE - 1, '{"id": "broken", "question": "没写完')
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class FakeAnswer:
    obj: dict

    def to_json(self):
        return self.obj


class FakeAnswerer:
    """Answers t1 right, declines t2 (wrongly), raises on t3."""

    def __init__(self):
        self.calls = []

    def answer(self, question, history, top_k):
        self.calls.append((question, tuple(history), top_k))
        if "千问" in question:
            chunk = {"rank": 1, "speaker": "林俊旸", "text": "我们从2023年8月3日开始做开源。", "score": 0.9}
            return FakeAnswer({"answer": "林俊旸说：2023年8月3日开始做开源 [1]", "abstained": False,
                               "speakers": ["林俊旸"], "citations": [dict(chunk, n=1)], "hits": [chunk]})
        if "路線" in question:
            return FakeAnswer({"answer": "文字稿中没有谈到这个问题", "abstained": True, "speakers": [],
                               "citations": [], "hits": [{"rank": 1, "speaker": "编者", "text": "别的段落"}]})
        raise RuntimeError("boom")


def test_runner_scores_each_question_and_survives_an_error(question_file, tmp_path, capsys):
    questions, problems = load_questions(question_file)
    assert [p.line for p in problems] == [BAD_LINE]
    answerer = FakeAnswerer()
    rows = run(answerer, questions, top_k=10)
    assert answerer.calls[1] == ("那他的團隊接下來選擇了哪條路線？", ("唐杰怎么看Chat时代？",), 10)
    assert [r.question.id for r in rows] == ["t1", "t2", "t3"]
    assert "t3 (line 4): answering failed: RuntimeError: boom" in capsys.readouterr().err
    t1, t2, t3 = (r.scores for r in rows)
    assert (t1.hit_at_1, t1.attribution, t1.key_facts, t1.abstention) == (1.0, 1.0, 1.0, 1.0)
    assert (t2.hit_at_5, t2.attribution, t2.key_facts, t2.abstention) == (0.0, 0.0, 0.0, 0.0)
    assert t3.abstention == 0.0                       # an error is not a refusal

    report = {"questions": str(question_file), "split": "all", "evaluated": 3, "model": "fake", "top_k": 10,
              "skipped_lines": [{"line": p.line, "message": p.message} for p in problems],
              "metrics": aggregate([(r.question, r.scores) for r in rows])}
    out = tmp_path / "report"
    write_report(out, report, rows)
    results = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in results] == ["t1", "t2", "t3"]
    assert results[0]["answer"] == "林俊旸说：2023年8月3日开始做开源 [1]"
    assert results[2] == {"id": "t3", "error": "RuntimeError: boom"}
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["metrics"]["overall"]["hit@1"] == 0.5
    assert [x["id"] for x in metrics["per_question"]] == ["t1", "t2", "t3"]
    assert (out / "metrics_by_type.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "![metrics per question type](metrics_by_type.png)" in md
    assert "### t1 " not in md                       # it passed every check
    assert "### t2 (followup, zh-hant): declined an answerable question; no evidence in the top 5 hits" in md
    assert "- evidence: `后来我们选了左边这条路`" in md
    assert "  1. 编者: 别的段落" in md
    assert "### t3 (unanswerable, en): answering raised an error" in md
    assert "1 raised an error." in md
    assert "skipped line 3: not valid JSON" in md


@pytest.mark.slow
def test_eval_command_end_to_end(question_file, tmp_path):
    out = tmp_path / "report"
    proc = subprocess.run([sys.executable, "-m", "eval", "--questions", str(question_file), "--json",
                           "--split", "all", "--report", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert f"line {BAD_LINE}: not valid JSON" in proc.stderr
    printed = json.loads(proc.stdout)
    assert printed["evaluated"] == 3
    assert printed["skipped_lines"][0]["line"] == BAD_LINE
    assert set(printed["metrics"]["by_type"]) == {"fact", "followup", "unanswerable"}
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    results = [json.loads(line) for line in lines]
    assert [x["id"] for x in results] == ["t1", "t2", "t3"]
    for x in results:
        assert {"answer", "abstained", "speakers", "citations", "hits", "timings_ms"} <= set(x)
    # ranked deep enough for MRR@10 (then any passage the answer cites from further down)
    assert [h["rank"] for h in results[0]["hits"][:10]] == list(range(1, 11))
    cited = {c["chunk_id"] for c in results[0]["citations"]}
    assert all(h["chunk_id"] in cited for h in results[0]["hits"][10:])
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["metrics"] == printed["metrics"]
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Evaluation report")
    assert (out / "metrics_by_type.png").stat().st_size > 1000


def test_interleaved_run_asks_each_question_of_every_answerer_in_turn(question_file):
    from eval.runner import run_interleaved

    log = []

    class Named:
        def __init__(self, name):
            self.name = name

        def answer(self, question, history, top_k):
            log.append((self.name, question[:2]))
            return FakeAnswer({"answer": "", "abstained": True, "speakers": [], "citations": [], "hits": []})

    questions, _ = load_questions(question_file)
    a_rows, b_rows = run_interleaved([Named("a"), Named("b")], questions[:2], top_k=10)
    assert log == [("a", "千问"), ("b", "千问"), ("a", "那他"), ("b", "那他")]
    assert [r.question.id for r in a_rows] == [r.question.id for r in b_rows] == ["t1", "t2"]
