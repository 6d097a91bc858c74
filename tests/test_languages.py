"""English questions vs their Chinese twins (eval/twins.jsonl, eval.languages): the twin file is
complete and Chinese, and (slow) English retrieval does not fall far behind Chinese on the dev split."""
from __future__ import annotations

import json
import re

import pytest

from eval.dataset import load_questions
from eval.languages import DEFAULT_QUESTIONS, DEFAULT_TWINS, compare, latin_share, load_twins, variants

GAP = 0.03    # English may trail the Chinese twins by at most this much (issue 11)
LATIN = 0.8   # share of Latin letters, names aside, in English answers (issue 11)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[A-Za-z0-9][A-Za-z0-9.\-]*")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]+(?:\s+[A-Za-z]+){2,}")  # three English words in a row


def is_chinese(text: str) -> bool:
    """Mostly CJK: at least 60% of the tokens (a CJK character, or a run of Latin letters and
    digits such as `Kimi` or `1.8B`) are CJK characters, and no three English words in a row."""
    tokens = TOKEN.findall(text)
    cjk = sum(bool(CJK.fullmatch(t)) for t in tokens)
    return bool(tokens) and cjk / len(tokens) >= 0.6 and not ENGLISH_PHRASE.search(text)


@pytest.fixture(scope="module")
def english():
    questions, problems = load_questions(DEFAULT_QUESTIONS)
    assert problems == []
    return [q for q in questions if q.lang == "en"]


@pytest.fixture(scope="module")
def twin_lines():
    return [json.loads(line) for line in DEFAULT_TWINS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_one_twin_per_english_question(english, twin_lines):
    ids = [t["id"] for t in twin_lines]
    assert len(ids) == len(set(ids)), "a twin id is repeated"
    assert sorted(ids) == sorted(q.id for q in english)
    twins, problems = load_twins(DEFAULT_TWINS)
    assert problems == [] and set(twins) == set(ids)


def test_twins_are_chinese_with_matching_history(english, twin_lines):
    by_id = {t["id"]: t for t in twin_lines}
    for q in english:
        t = by_id[q.id]
        assert set(t) <= {"id", "question", "history"}, q.id
        assert is_chinese(t["question"]), (q.id, t["question"])
        history = t.get("history") or []
        assert len(history) == len(q.history), q.id
        assert all(is_chinese(h) for h in history), (q.id, history)


def test_is_chinese():
    assert is_chinese("是谁把ChatGPT和Claude Code称为消费级AI和企业级AI的典型代表？")
    assert not is_chinese("Who named ChatGPT and Claude Code as the archetypes?")
    assert not is_chinese("唐杰 said what about the next paradigm?")


def test_versions_share_expectations_and_convert_to_traditional(english):
    twins, _ = load_twins(DEFAULT_TWINS)
    versions, missing = variants(english, twins)
    assert missing == [] and [len(v) for v in versions.values()] == [len(english)] * 3
    for en, zh, hant in zip(*versions.values()):
        assert (en.id, en.evidence, en.speakers, en.key_facts, en.type, en.split) == \
               (zh.id, zh.evidence, zh.speakers, zh.key_facts, zh.type, zh.split) == \
               (hant.id, hant.evidence, hant.speakers, hant.key_facts, hant.type, hant.split)
        assert (en.lang, zh.lang, hant.lang) == ("en", "zh", "zh-hant")
        assert zh.question == twins[en.id].question and len(hant.history) == len(en.history)
    hant = {q.id: q for q in versions["zh-hant"]}
    assert hant["q042"].question == "Kimi的二階最佳化器把token效率提升了多少倍？"  # s2twp: phrases too


def test_compare_asks_each_version_once(english, tmp_path):
    class Stub:
        def __init__(self):
            self.asked = []

        def answer(self, question, history, top_k):
            self.asked.append((question, tuple(history)))
            raise RuntimeError("stub")  # recorded as a failed row, still scored

    twins_file = tmp_path / "twins.jsonl"
    twins_file.write_text('{"id": "q005", "question": "文章的结论是什么？"}\nnot json\n', encoding="utf-8")
    twins, problems = load_twins(twins_file)
    assert [p.line for p in problems] == [2]
    stub = Stub()
    result = compare(stub, english, twins, "dev")
    assert result["evaluated"] == 1 and "q003" in result["missing_twins"]
    assert [q for q, _ in stub.asked] == [next(q.question for q in english if q.id == "q005"),
                                          "文章的结论是什么？", "文章的結論是什麼？"]
    assert set(result["metrics"]) == {"en", "zh", "zh-hant"}
    assert result["metrics"]["zh"]["overall"]["hit@5"] == 0.0
    assert result["latin_share"] is None    # a failed answer has no text


def test_latin_share_counts_letters_outside_the_names():
    english = "Lin Junyang (林俊旸) said: “It is 20%.” (translated) [1]"
    chinese = "Lin Junyang (林俊旸) said: 「我觉得是20%吧」[1]"
    names = ["林俊旸", "Lin Junyang"]
    assert latin_share([english], names) == 1.0
    assert latin_share([chinese], names) == 4 / 9              # "said" against five Chinese characters
    assert latin_share([english, chinese], names) == (18 + 4) / (18 + 9)
    assert latin_share([chinese], []) == (4 + 10) / (4 + 10 + 3 + 5)   # the names count when not taken out
    assert latin_share(["[1] 20%"], names) is None


@pytest.fixture(scope="module")
def without_glossary(rag_home):
    """The real pipeline with corpus/glossary.json left unused (RAG_GLOSSARY=off)."""
    from rag.config import from_env
    from rag.pipeline import Pipeline
    return Pipeline(from_env(home=rag_home, glossary=False)).warm_up(progress=False)


@pytest.fixture(scope="module")
def twins_without_glossary(without_glossary, english):
    """English vs Chinese twins on dev, without the glossary: (figures by version, gaps, latin share)."""
    twins, _ = load_twins(DEFAULT_TWINS)
    names = [n for sp in without_glossary.corpus.speakers.all for n in (sp.name, *sp.aliases)]
    result = compare(without_glossary, english, twins, "dev", names=names)
    m = {v: result["metrics"][v]["overall"] for v in ("en", "zh", "zh-hant")}
    print("\ndev, without the glossary, English vs Chinese twins (n=%d):" % result["evaluated"])
    for name in ("hit@1", "hit@3", "hit@5", "mrr@10", "attribution_accuracy", "abstention_accuracy",
                 "key_fact_coverage"):
        print(f"  {name:22} en {m['en'][name]:.3f}  zh {m['zh'][name]:.3f}  zh-hant {m['zh-hant'][name]:.3f}")
    print(f"  latin share of English answers {result['latin_share']:.3f}")
    behind = {name: round(m["zh"][name] - m["en"][name], 3)
              for name in ("hit@5", "mrr@10", "attribution_accuracy", "key_fact_coverage")}
    return m, behind, result["latin_share"]


@pytest.mark.slow
def test_english_keeps_up_on_retrieval_and_attribution_without_the_glossary(twins_without_glossary):
    """Issue 11's goal, the part met: without the glossary, English questions trail their Chinese
    twins by at most GAP on hit@5 and attribution, and English answers are English."""
    _, behind, latin = twins_without_glossary
    assert behind["hit@5"] <= GAP and behind["attribution_accuracy"] <= GAP, f"English trails by {behind}"
    assert latin >= LATIN, f"{latin:.3f} of English answers' letters are Latin"


@pytest.mark.slow
def test_english_keeps_up_on_ranking_and_key_facts_without_the_glossary(twins_without_glossary):
    """Issue 11's goal, the rest: met since the follow-up work of issue 12 (2026-12-01: English
    trails by 0.020 on MRR and leads by 0.015 on key facts)."""
    _, behind, _ = twins_without_glossary
    assert behind["mrr@10"] <= GAP and behind["key_fact_coverage"] <= GAP, f"English trails by {behind}"
