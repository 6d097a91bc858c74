"""The regression gate: the project's own question set, answered by the real pipeline.

Thresholds sit just under the values measured on 2026-11-29 (all 131 questions: hit@5 0.974,
MRR 0.866, attribution 0.965, abstention 0.947, key facts 0.774). Raise them as the numbers
improve; never lower them to let a change through."""
import pytest

from eval.dataset import load_questions
from eval.metrics import aggregate
from eval.runner import RANKING_DEPTH, run
from tests.conftest import REPO

pytestmark = pytest.mark.slow

GATE = {"hit@5": 0.95, "mrr@10": 0.84, "attribution_accuracy": 0.94,
        "abstention_accuracy": 0.92, "key_fact_coverage": 0.75}


@pytest.fixture(scope="module")
def metrics(pipeline):
    questions, problems = load_questions(REPO / "eval" / "questions.jsonl")
    assert problems == []
    rows = run(pipeline, questions, RANKING_DEPTH)
    return aggregate([(r.question, r.scores) for r in rows])


@pytest.mark.parametrize("name", sorted(GATE))
def test_metric_stays_above_the_gate(metrics, name):
    value = metrics["overall"][name]
    print(f"{name}: {value:.3f} (gate {GATE[name]})")
    assert value >= GATE[name]


def test_declines_the_unanswerable_and_answers_the_rest(metrics):
    by_type = metrics["by_type"]
    assert by_type["unanswerable"]["abstention_accuracy"] >= 0.6      # 0.625 measured
    answered = {k: v["abstention_accuracy"] for k, v in by_type.items() if k != "unanswerable"}
    assert min(answered.values()) >= 0.9, answered                    # 0.929 measured (followup)
