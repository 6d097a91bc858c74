"""The evaluation metrics on hand-made results whose scores can be worked out by hand (no model)."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from eval.dataset import Question, load_questions, parse_line, select, split_for
from eval.metrics import (Passage, Result, aggregate, attribution_ok, contains, difference,
                          percentile, repeats, score, what_went_wrong)


def q(qid, qtype, speakers, evidence=(), key_facts=(), lang="zh", split="dev"):
    return Question(qid, f"question {qid}", lang, qtype, tuple(speakers), tuple(evidence), tuple(key_facts),
                    (), split)


def r(qid, answer="", speakers=(), citations=(), hits=(), abstained=False, latency=100.0):
    return Result(qid, answer, abstained, tuple(speakers), tuple(Passage(*c) for c in citations),
                  tuple(Passage(*h) for h in hits), latency)


FILLER = ("编者", "an unrelated passage")

# a: evidence in the top hit (written with a space the evidence does not have); one of two
#    citations holds evidence, one of two is by 唐杰; 编者 is cited too, so attribution fails;
#    key fact "DeepSeek" is found case-insensitively, "Chat时代" is not: coverage 1/2.
QA = q("a", "fact", ["唐杰"], ["Chat这一代问题基本已经解决"], ["DeepSeek", "Chat时代"])
RA = r("a", "唐杰说：deepseek 出来后，这一代问题基本解决了。[1][2]", ["唐杰"],
       [("唐杰", "DeepSeek出来后，Chat这一代问题基本已经解决了。"), FILLER],
       [("唐杰", "DeepSeek出来后，Chat这一代 问题基本已经解决了。"), FILLER, FILLER], latency=100.0)
# b: evidence first at rank 3, in traditional script; both citations by an expected speaker,
#    one holds evidence; both sides of the comparison cited; key fact "20%" found, "乐观" not.
QB = q("b", "compare", ["姚顺雨", "林俊旸"], ["我觉得是20%吧"], ["20%", "乐观"], lang="en", split="test")
RB = r("b", "林俊旸：我覺得是 20% 吧 [1]；姚顺雨另有看法 [2]", ["林俊旸", "姚顺雨"],
       [("林俊旸", "我覺得是20%吧，已经非常乐观了"), ("姚顺雨", "概率还挺高的")],
       [FILLER, ("姚顺雨", "概率还挺高的"), ("林俊旸", "我覺得是20%吧")], latency=400.0)
# c: unanswerable and declined.
QC = q("c", "unanswerable", [])
RC = r("c", "文字稿中没有谈到这个问题", abstained=True, latency=200.0)


def test_per_question_scores_worked_out_by_hand():
    a = score(QA, RA)
    assert (a.hit_at_1, a.hit_at_3, a.hit_at_5, a.mrr_at_10) == (1.0, 1.0, 1.0, 1.0)
    assert (a.citation_strict, a.citation_speaker) == (0.5, 0.5)
    assert a.attribution == 0.0          # 编者 is cited, and 编者 is not among the speakers
    assert (a.abstention, a.key_facts, a.latency_ms) == (1.0, 0.5, 100.0)

    b = score(QB, RB)
    assert (b.hit_at_1, b.hit_at_3, b.hit_at_5) == (0.0, 1.0, 1.0)
    assert b.mrr_at_10 == pytest.approx(1 / 3)
    assert (b.citation_strict, b.citation_speaker, b.attribution) == (0.5, 1.0, 1.0)
    assert (b.abstention, b.key_facts) == (1.0, 0.5)

    c = score(QC, RC)
    assert (c.hit_at_1, c.mrr_at_10, c.citation_strict, c.attribution, c.key_facts) == (None,) * 5
    assert c.abstention == 1.0


def test_aggregate_overall_worked_out_by_hand():
    rows = [(QA, score(QA, RA)), (QB, score(QB, RB)), (QC, score(QC, RC))]
    m = aggregate(rows)["overall"]
    assert (m["n"], m["n_answerable"]) == (3, 2)
    assert m["hit@1"] == 0.5               # 1 of 2 answerable questions has evidence in the top chunk
    assert m["hit@3"] == m["hit@5"] == 1.0
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3) / 2)
    assert m["citation_precision_strict"] == 0.5             # (1/2 + 1/2) / 2
    assert m["citation_precision_speaker"] == 0.75           # (1/2 + 2/2) / 2
    assert m["attribution_accuracy"] == 0.5                  # (0 + 1) / 2
    assert m["abstention_accuracy"] == 1.0                   # 3 of 3, over all questions
    assert m["key_fact_coverage"] == 0.5                     # (1/2 + 1/2) / 2; c has no key facts
    assert m["latency_p50_ms"] == 200.0                      # of 100, 200, 400
    assert m["latency_p95_ms"] == pytest.approx(380.0)       # 200 + 0.9 * (400 - 200)


def test_aggregate_breaks_down_by_type_lang_and_split():
    rows = [(QA, score(QA, RA)), (QB, score(QB, RB)), (QC, score(QC, RC))]
    m = aggregate(rows)
    assert list(m["by_type"]) == ["fact", "compare", "unanswerable"]   # in the schema's order
    assert m["by_type"]["compare"]["hit@1"] == 0.0
    assert m["by_type"]["unanswerable"]["hit@1"] is None
    assert m["by_type"]["unanswerable"]["abstention_accuracy"] == 1.0
    assert list(m["by_lang"]) == ["zh", "en"]
    assert m["by_lang"]["zh"]["n"] == 2 and m["by_lang"]["en"]["mrr@10"] == pytest.approx(1 / 3)
    assert {k: v["n"] for k, v in m["by_split"].items()} == {"dev": 2, "test": 1}


def test_abstention_both_ways():
    declined = score(QA, r("a", "no answer", abstained=True))
    assert declined.abstention == 0.0
    assert (declined.citation_strict, declined.citation_speaker, declined.attribution) == (0.0, 0.0, 0.0)
    assert declined.key_facts == 0.0
    answered = score(QC, r("c", "some answer", ["唐杰"], [("唐杰", "x")]))
    assert answered.abstention == 0.0
    assert what_went_wrong(QC, answered) == ["answered a question it should decline"]


def test_mrr_counts_only_the_first_ten_hits():
    hits = [FILLER] * 10 + [("唐杰", "Chat这一代问题基本已经解决")]
    s = score(QA, r("a", hits=hits))
    assert (s.hit_at_5, s.mrr_at_10) == (0.0, 0.0)
    hits = [FILLER] * 9 + [("唐杰", "Chat这一代问题基本已经解决")]
    assert score(QA, r("a", hits=hits)).mrr_at_10 == pytest.approx(0.1)


@pytest.mark.parametrize("speakers, cited, ok", [
    (["唐杰"], ["唐杰"], True),
    (["唐杰"], [], True),                   # no citation: only the first-named speaker counts
    (["编者"], ["唐杰"], False),            # first-named is 唐杰, not the expected 编者
    ([], [], False),                        # names nobody
    (["唐杰", "林俊旸"], ["唐杰"], True),    # only the first-named speaker must be expected
    (["林俊旸", "唐杰"], ["唐杰"], False),   # 林俊旸 named first
    (["唐杰"], ["唐杰", "编者"], False),     # a citation of someone else
])
def test_attribution_of_a_single_speaker_question(speakers, cited, ok):
    question = q("w", "who", ["唐杰"])
    assert attribution_ok(question, r("w", speakers=speakers, citations=[(s, "t") for s in cited])) is ok


def test_attribution_of_a_compare_question_needs_every_side_cited():
    question = q("c2", "compare", ["姚顺雨", "林俊旸"])
    one_side = r("c2", speakers=["姚顺雨"], citations=[("姚顺雨", "t")])
    both = r("c2", speakers=["姚顺雨", "林俊旸"], citations=[("林俊旸", "t"), ("姚顺雨", "t")])
    extra = r("c2", speakers=["姚顺雨"], citations=[("林俊旸", "t"), ("姚顺雨", "t"), ("唐杰", "t")])
    assert [attribution_ok(question, x) for x in (one_side, both, extra)] == [False, True, False]
    # a non-compare question with two acceptable speakers is satisfied by either one
    either = q("f2", "fact", ["唐杰", "编者"])
    assert attribution_ok(either, one_side) is False
    assert attribution_ok(either, r("f2", speakers=["编者"], citations=[("编者", "t")])) is True


def test_contains_ignores_whitespace_script_and_latin_case():
    assert contains("姚顺雨说：Agent 之年", "Agent之年")
    assert contains("林俊暘說軟體很重要", "林俊旸说软体")       # traditional text, simplified needle
    assert contains("林俊旸说软体很重要", "林俊暘說軟體")       # and the other way round
    assert not contains("deepseek", "DeepSeek")
    assert contains("deepseek", "DeepSeek", ignore_case=True)
    assert not contains("anything", "  ")                       # an empty needle matches nothing


def test_percentile_interpolates_like_numpy():
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([10], 95) == 10
    assert percentile([], 50) is None
    assert percentile([0, 100], 95) == pytest.approx(95.0)


def test_difference_is_project_minus_baseline():
    d = difference({"hit@1": 0.75, "latency_p50_ms": 30.0, "mrr@10": None},
                   {"hit@1": 0.5, "latency_p50_ms": 50.0, "mrr@10": 0.2})
    assert (d["hit@1"], d["latency_p50_ms"], d["mrr@10"]) == (0.25, -20.0, None)


def test_result_from_the_json_rag_ask_prints():
    obj = {"answer": "x [1]", "abstained": False, "speakers": ["唐杰"],
           "citations": [{"n": 1, "speaker": "唐杰", "text": "cited", "quote": "c"}],
           "hits": [{"rank": 1, "speaker": "编者", "text": "hit one"}, {"rank": 2, "speaker": "唐杰", "text": "cited"}]}
    res = Result.from_json("q1", obj, 12.5)
    assert res == Result("q1", "x [1]", False, ("唐杰",), (Passage("唐杰", "cited", quote="c", n=1),),
                         (Passage("编者", "hit one"), Passage("唐杰", "cited")), 12.5)


# ------------------------------------------------------------------------------ the question file

def test_load_questions_reports_bad_lines_by_number_and_keeps_the_rest(tmp_path):
    good = {"id": "q1", "question": "谁说的？", "lang": "zh", "type": "who", "speakers": ["唐杰"],
            "evidence": ["Chat这一代问题基本已经解决"], "key_facts": ["唐杰"], "split": "dev", "extra": 1}
    lines = [json.dumps(good, ensure_ascii=False),
             "{not json",
             "",
             json.dumps({"id": "q2", "question": "no speakers"}),
             json.dumps(["a", "list"]),
             json.dumps(dict(good, speakers="唐杰")),
             json.dumps(dict(good, question="same id again")),
             json.dumps({"id": "q3", "question": "没有的事？", "speakers": [], "split": "test"})]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    questions, problems = load_questions(path)
    assert [x.id for x in questions] == ["q1", "q3"]
    assert [p.line for p in problems] == [2, 4, 5, 6, 7]
    assert "not valid JSON" in problems[0].message
    assert problems[1].message == "missing `speakers`"
    assert "already used on line 1" in problems[4].message
    q1, q3 = questions
    assert (q1.type, q1.speakers, q1.history, q1.split, q1.line) == ("who", ("唐杰",), (), "dev", 1)
    assert (q3.type, q3.lang, q3.answerable) == ("unanswerable", "unknown", False)  # no type, no speakers
    assert [x.id for x in select(questions, "test")] == ["q3"]
    assert len(select(questions, "all")) == 2
    with pytest.raises(ValueError, match="split must be one of"):
        select(questions, "train")


def test_parse_line_reads_history():
    line = json.dumps({"id": 7, "question": "那他呢？", "type": "followup", "speakers": ["唐杰"],
                       "history": ["林俊旸怎么说？"]}, ensure_ascii=False)
    question = parse_line(line)
    assert (question.id, question.history) == ("7", ("林俊旸怎么说？",))


# ------------------------------------------------------------------ the stricter metrics

def test_quote_precision_needs_the_quoted_span_to_overlap_the_evidence():
    # passage "ABC。证据在这里出现。尾巴。" starts at corpus offset 100; the evidence sits at 104..111
    text = "ABC。证据在这里出现。尾巴。"
    qe = q("e", "fact", ["唐杰"], ["证据在这里出现"])
    on = Passage("唐杰", text, "c1", "s", 104, 112, 100)       # quotes the evidence sentence
    off = Passage("唐杰", text, "c1", "s", 112, 115, 100)      # quotes 尾巴。 only
    touching = Passage("唐杰", text, "c1", "s", 100, 105, 100)  # "ABC。证": one character of it
    res = Result("e", "x", False, ("唐杰",), (on, off, touching), (), 1.0)
    s = score(qe, res)
    assert s.citation_strict == 1.0                  # all three passages contain the evidence
    assert s.citation_quote == pytest.approx(2 / 3)  # but only two quotes overlap it


def test_yes_no_must_come_first_and_be_right():
    qy = Question("y", "唐杰认为…吗？", "zh", "yesno", ("唐杰",), ("证据在这里出现",), (), yesno="no")
    assert score(qy, Result("y", "否。唐杰说……[1]", False, ("唐杰",), (), (), 1.0)).yesno == 1.0
    assert score(qy, Result("y", "是。唐杰说……[1]", False, ("唐杰",), (), (), 1.0)).yesno == 0.0
    assert score(qy, Result("y", "唐杰说：不是这样 [1]", False, ("唐杰",), (), (), 1.0)).yesno == 0.0
    assert score(QA, RA).yesno is None


def test_summary_key_points_and_distinct_passages_of_the_material():
    qs = Question("s", "总结唐杰的演讲", "zh", "summary", ("唐杰",), (), (),
                  key_points=(("第一点原话", "第一点别说法"), ("第二点原话",), ("第三点原话",), ("第四点原话",)),
                  sections=("唐杰",))
    cites = tuple(Passage(sp, t, cid, sec, 0, 1, 0) for sp, t, cid, sec in [
        ("唐杰", "a", "c1", "唐杰"), ("唐杰", "b", "c2", "唐杰"), ("唐杰", "b", "c2", "唐杰"),   # c2 twice
        ("林俊旸", "d", "c4", "唐杰")])                                                         # another person
    res = Result("s", "- 第一点别说法 [1]\n- 第三点原话 [2]", False, ("唐杰",), cites, (), 1.0)
    s = score(qs, res)
    assert s.key_points == 0.5                       # points 1 (by its second phrasing) and 3 of 4
    assert (s.summary_passages, s.summary_four) == (2.0, 0.0)   # c1 and c2 only: 林俊旸's is not the material


def test_declined_types_are_scored_on_the_decline_and_its_pointer():
    qw = q("w", "wrong_speaker", ["杨植麟"], ["证据在这里出现"])
    pointed = Result("w", "林俊旸没有谈到这一点；谈到的是杨植麟：「证据在这里出现」[1]", True, ("杨植麟",),
                     (Passage("杨植麟", "证据在这里出现"),), (Passage("杨植麟", "证据在这里出现"),), 1.0)
    s = score(qw, pointed)
    assert (s.abstention, s.attribution, s.hit_at_1) == (1.0, 1.0, 1.0)
    answered = Result("w", "林俊旸认为：「别的」[1]", False, ("林俊旸",), (Passage("林俊旸", "别的"),), (), 1.0)
    s = score(qw, answered)
    assert (s.abstention, s.attribution, s.citation_speaker) == (0.0, 0.0, 0.0)
    assert what_went_wrong(qw, s) == ["answered a question it should decline", "wrong attribution"]
    qd = q("d", "detail_missing", ["唐杰"], ["证据在这里出现"])
    assert not qd.answerable and score(qd, Result("d", "文字稿没有给出", True, (), (), (), 1.0)).abstention == 1.0


def test_an_error_scores_zero_on_everything_the_question_has():
    qy = Question("y", "x", "en", "yesno", ("唐杰",), ("证据在这里出现",), ("k",), yesno="yes")
    s = score(qy, Result("y", "", False, (), (), (), 5.0, error="RuntimeError: boom"))
    assert (s.error, s.abstention, s.hit_at_1, s.mrr_at_10, s.attribution, s.key_facts, s.yesno) == \
        (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    s = score(QC, Result("c", "", False, (), (), (), 5.0, error="boom"))
    assert (s.error, s.abstention, s.hit_at_1, s.attribution) == (1.0, 0.0, None, None)


def test_groups_by_tag_and_by_conversation_turn():
    first = Question("t1", "a", "en", "fact", ("唐杰",), ("证据在这里出现",), (), conversation="c", turn=1)
    second = Question("t2", "b", "en", "followup", ("唐杰",), ("证据在这里出现",), (), ("a",),
                      conversation="c", turn=2)
    short = Question("t3", "c", "zh", "speaker-view", ("唐杰",), ("证据在这里出现",), (), tags=("short-topic",))
    hit = Result("x", "", False, ("唐杰",), (), (Passage("唐杰", "证据在这里出现"),), 1.0)
    miss = Result("x", "", False, ("唐杰",), (), (Passage(*FILLER),), 1.0)
    m = aggregate([(first, score(first, hit)), (second, score(second, miss)), (short, score(short, hit))])
    assert list(m["by_turn"]) == ["single", "first turn", "follow-up turn"]
    assert (m["by_turn"]["first turn"]["hit@1"], m["by_turn"]["follow-up turn"]["hit@1"]) == (1.0, 0.0)
    assert m["by_tag"] == {"short-topic": m["by_turn"]["single"]}


def test_a_followup_repeats_when_it_shows_a_quote_an_earlier_turn_showed():
    turn = lambda qid, n, history=(): Question(qid, qid, "zh", "followup" if history else "fact",  # noqa: E731
                                               ("唐杰",), (), (), tuple(history), conversation="c", turn=n)
    cite = lambda start, end, doc="d": Passage("唐杰", "原文", "c1", "", start, end, 0, "原", doc)  # noqa: E731
    first, second, third = turn("t1", 1), turn("t2", 2, ["t1"]), turn("t3", 3, ["t1", "t2"])
    alone = Question("s", "s", "zh", "fact", ("唐杰",), (), ())
    shown = Result("t1", "甲[1] 乙[2]", False, ("唐杰",), (cite(10, 20), cite(40, 50)), (), 1.0)
    # t2 quotes 45-60 (overlaps 40-50, but its marker is not shown) and 100-110 (new)
    moved = Result("t2", "丙[2]", False, ("唐杰",), (cite(45, 60), cite(100, 110)), (), 1.0)
    # t3 quotes 19-30 (overlaps t1's shown 10-20); 100-110 in another document overlaps nothing
    back = Result("t3", "丁[1] 戊[2]", False, ("唐杰",), (cite(19, 30), cite(100, 110, "e")), (), 1.0)
    assert repeats([(first, shown), (second, moved), (third, back), (alone, shown)]) == [None, 0.0, 1.0, None]
    assert repeats([(third, back)]) == [None]   # its earlier turns were not asked in this run
    raised = Result("t2", "", False, (), (), (), 1.0, error="boom")
    assert repeats([(first, shown), (second, raised)]) == [None, 1.0]   # an error fails this metric too
    # citations numbered by hit rank (the LLM composer): [3] is the second citation, shown
    ranked = Result("t2", "丙[3]", False, ("唐杰",), (cite(100, 110), replace(cite(12, 14), n=3)), (), 1.0)
    assert repeats([(first, shown), (second, ranked)]) == [None, 1.0]
    m = aggregate([(q, replace(score(q, r), repeated=x)) for (q, r), x in
                   zip([(first, shown), (second, moved), (third, back)], [None, 0.0, 1.0])])
    assert m["by_turn"]["follow-up turn"]["repeated_quote"] == 0.5 and m["by_turn"]["first turn"]["repeated_quote"] is None


def test_a_translated_quote_carries_its_key_facts_in_the_cited_original():
    qf = Question("f", "When did Qwen start open-sourcing?", "en", "fact", ("林俊旸",), ("2023年8月3日开始做开源",),
                  ("2023年8月3日",))
    cited = Passage("林俊旸", "我们2023年8月3日开始做开源", quote="2023年8月3日开始做开源")
    shown = Result("f", "Lin Junyang said: “We started open-sourcing on August 3, 2023” (translated) [1]", False,
                   ("林俊旸",), (cited,), (), 1.0)
    assert score(qf, shown).key_facts == 1.0
    unmarked = Result("f", "Lin Junyang said they started in 2023.", False, ("林俊旸",), (cited,), (), 1.0)
    assert score(qf, unmarked).key_facts == 0.0      # a citation the answer does not show does not count


def test_the_default_dev_split_runs_a_file_without_splits_whole():
    mine = [q("a", "fact", ["唐杰"], split="dev"), q("b", "fact", ["唐杰"], split="test")]
    theirs = [q("a", "fact", ["唐杰"], split=""), q("b", "fact", ["唐杰"], split="")]
    assert split_for(mine, "dev") == "dev" and [x.id for x in select(mine, "dev")] == ["a"]
    assert split_for(theirs, "dev") == "all" and len(select(theirs, split_for(theirs, "dev"))) == 2
