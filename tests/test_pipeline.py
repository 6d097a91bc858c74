"""The real pipeline end to end: what every caller (CLI, app, eval) relies on."""
import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("question, k", [("唐杰和杨植麟怎么看Agent？", 1), ("林俊旸认为中国领先的概率有多大？", 2),
                                         ("Who thinks China's chance of leading is about 20%?", 1)])
def test_every_cited_passage_is_among_the_hits(pipeline, question, k):
    a = pipeline.answer(question, top_k=k)
    hit_ids = [h.chunk.chunk_id for h in a.hits]
    assert a.citations and {c.chunk.chunk_id for c in a.citations} <= set(hit_ids)
    assert len(set(hit_ids)) == len(hit_ids)


def test_speaker_filter_takes_any_alias_and_refuses_strangers(pipeline):
    a = pipeline.answer("怎么看RLVR？", speakers=["Tang Jie"])
    assert a.hits and {h.chunk.speaker for h in a.hits} == {"唐杰"} and not a.abstained
    with pytest.raises(ValueError, match="unknown speaker 'Nobody'; known: 唐杰, 杨植麟"):
        pipeline.answer("怎么看RLVR？", speakers=["Nobody"])


def test_names_the_transcript_never_mentions_are_declined(pipeline):
    a = pipeline.answer("What did Lars say about AGI?")
    assert a.abstained and a.citations == () and "Lars" in a.answer


def test_timings_cover_the_answer_not_the_warm_up(pipeline):
    a = pipeline.answer("唐杰怎么看RLVR？")
    t = a.timings_ms
    assert set(t) == {"analyze", "retrieve_and_quote", "llm", "total"}
    assert t["total"] >= t["retrieve_and_quote"] and t["analyze"] < 1000


@pytest.mark.parametrize("question", ["How do Lin Junyang and Tang Jie each describe the gap between China and the US?",
                                      "What did Kimi's founder say about GPUs and token efficiency?"])
def test_everyday_abbreviations_and_possessives_are_not_unknown_names(pipeline, question):
    assert pipeline.coverage.unknown_names(pipeline.analyze(question).topic) == []


@pytest.mark.parametrize("question, speaker", [("杨植麟讲了什么？", "杨植麟"), ("What did Lin Junyang say?", "林俊旸")])
def test_asking_what_someone_said_gives_their_main_points(pipeline, question, speaker):
    a = pipeline.answer(question)
    assert not a.abstained and a.speakers == (speaker,) and a.citations


def test_a_followup_in_a_conversation_is_not_taken_for_off_topic(pipeline):
    a = pipeline.answer("他为什么后悔？", ["林俊旸讲了一个什么遗憾的故事？"])
    assert not a.abstained and a.speakers[0] == "林俊旸"
    # answered from the story (a paragraph telling of the chip team), whichever of its sentences
    story = [para for text in pipeline.corpus.texts.values() for para in text.split("\n")
             if "阿里做晶片" in para or "阿里做芯片" in para]
    assert any(c.quote in para for c in a.citations for para in story)


def test_a_named_speaker_does_not_make_an_everyday_question_answerable(pipeline):
    assert pipeline.answer("林俊旸怎么看明天的天气？").abstained


@pytest.mark.parametrize("question, intro", [("林俊旸是谁？", "林俊旸：阿里 Qwen 负责人"),
                                             ("Who is Yang Zhilin?", "杨植麟：月之暗面 Kimi 创始人"),
                                             ("姚顺雨在腾讯负责什么？", "现为腾讯AI新部门负责人的姚顺雨"),
                                             ("谁是杨植麟？", "杨植麟：月之暗面 Kimi 创始人")])   # not who said something
def test_who_someone_is_comes_from_the_articles_introductions(pipeline, question, intro):
    a = pipeline.answer(question)
    assert not a.abstained and a.speakers == ("编者",)
    assert intro in a.citations[0].chunk.text
