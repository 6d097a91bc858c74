"""The project's own question set: well-formed, evidence verbatim and spoken by the right people."""
import json
import re
from collections import Counter
from pathlib import Path

import pytest

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"


@pytest.fixture(scope="module")
def questions():
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_counts_meet_the_minimums(questions):
    types = Counter(q["type"] for q in questions)
    langs = Counter(q["lang"] for q in questions)
    assert len(questions) >= 100
    assert types["who"] >= 15 and types["number"] >= 10 and types["compare"] >= 10
    assert types["followup"] >= 10 and types["unanswerable"] >= 12
    assert langs["en"] >= 25 and langs["zh-hant"] >= 15
    assert len({q["id"] for q in questions}) == len(questions)
    assert {q["split"] for q in questions} == {"dev", "test"}
    assert all(q.get("history") for q in questions if q["type"] == "followup")


def test_evidence_is_verbatim_and_in_a_passage_of_the_speakers(questions, passages, corpus_text):
    problems = []
    for q in questions:
        if q["type"] == "unanswerable":
            assert q["speakers"] == [] and q["evidence"] == [], q["id"]
            continue
        for ev in q["evidence"]:
            at = corpus_text.find(ev)
            if at < 0:
                problems.append((q["id"], ev, "not in corpus"))
                continue
            owners = {p.speaker for p in passages if p.start <= at and at + len(ev) <= p.end}
            if not owners & set(q["speakers"]):
                problems.append((q["id"], ev, f"spoken by {owners or 'no passage'}, not {q['speakers']}"))
    assert problems == []


def test_key_facts_are_literal_corpus_strings(questions, corpus_text):
    flat = re.sub(r"\s+", "", corpus_text).lower()
    missing = [(q["id"], k) for q in questions for k in q["key_facts"]
               if re.sub(r"\s+", "", k).lower() not in flat]
    assert missing == []


def test_the_question_checker_passes_with_the_per_split_minimums(capsys):
    """eval/check_questions.py: 250+ questions, 40%+ not simplified, per split the summaries,
    yes/no, why, disagreements, declines, short topics and conversations; evidence of 12+
    characters that occurs once."""
    import eval.check_questions as check
    assert check.main([str(QUESTIONS), "--quiet"]) == 0, capsys.readouterr().out[-2000:]
