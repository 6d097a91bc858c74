"""The regression gate: the dev split of the project's question set, answered by the real
pipeline. Only dev: the test split is held out (run once when a change is finished, never a
gate, never tuned on).

Thresholds sit just under the dev values measured on 2026-11-30 after calibration, abstention,
declines and repeats under those of 2026-12-01 (see the README's evaluation table). Raise them as the numbers improve; never lower them to let a
change through."""
import pytest

from eval.dataset import load_questions, select
from eval.metrics import aggregate
from eval.runner import RANKING_DEPTH, run
from tests.conftest import REPO

pytestmark = pytest.mark.slow

GATE = {"hit@5": 0.88, "mrr@10": 0.72, "attribution_accuracy": 0.90, "abstention_accuracy": 0.93,
        "key_fact_coverage": 0.60, "yesno_accuracy": 0.75, "key_point_coverage": 0.25,
        "citation_precision_quote": 0.41}
# lower is better: the share of follow-up turns showing a quote an earlier turn showed (dev 0.250 on
# 2026-12-01; the ones left mostly ask about the quoted sentence in their own words)
GATE_REPEATS = 0.30


@pytest.fixture(scope="module")
def metrics(pipeline):
    questions, problems = load_questions(REPO / "eval" / "questions.jsonl")
    assert problems == []
    dev = select(questions, "dev")
    assert dev and all(q.split == "dev" for q in dev)
    rows = run(pipeline, dev, RANKING_DEPTH)
    return aggregate([(r.question, r.scores) for r in rows])


@pytest.mark.parametrize("name", sorted(GATE))
def test_metric_stays_above_the_gate(metrics, name):
    value = metrics["overall"][name]
    print(f"{name}: {value:.3f} (gate {GATE[name]})")
    assert value >= GATE[name]


def test_followups_seldom_repeat_an_earlier_quote(metrics):
    value = metrics["by_turn"]["follow-up turn"]["repeated_quote"]
    print(f"follow-up repeats: {value:.3f} (gate {GATE_REPEATS})")
    assert value is not None and value <= GATE_REPEATS


def test_no_answer_raises(metrics):
    assert metrics["overall"]["error_rate"] == 0.0


def test_each_kind_of_decline_and_the_answerable_types(metrics):
    by_type = metrics["by_type"]
    declined = {t: by_type[t]["abstention_accuracy"] for t in ("unanswerable", "detail_missing", "wrong_speaker")}
    answered = {t: v["abstention_accuracy"] for t, v in by_type.items() if t not in declined}
    print(declined, answered)
    assert min(declined.values()) >= GATE_DECLINED, declined
    assert min(answered.values()) >= GATE_ANSWERED, answered


GATE_DECLINED = 0.80  # each declined type at least this often on dev (detail_missing, the weakest, 0.875 on 2026-12-01)
GATE_ANSWERED = 0.85  # and each answerable type answered at least this often (follow-ups, the weakest, 0.90)
