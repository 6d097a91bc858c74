import pytest

from index.records import EDITOR
from rag.query import analyze, clean, detect_lang


@pytest.mark.parametrize("text, lang", [
    ("唐杰怎么看RLVR？", "zh"),
    ("唐傑怎麼看軟體生態？", "zh-hant"),
    ("What did Tang Jie say about RLVR?", "en"),
    ("Kimi Linear 的速度优势有多大？", "zh"),
])
def test_language_and_script(text, lang):
    assert detect_lang(text) == lang


@pytest.mark.parametrize("question, expected", [
    ("唐老师怎么看中美差距？", ("唐杰",)),
    ("What does Justin Lin think about compute?", ("林俊旸",)),
    ("Kimi的创始人讲了什么？", ("杨植麟",)),
    ("姚順雨怎麼看教育？", ("姚顺雨",)),
    ("唐杰2019年与阿里巴巴合作时做了什么？", ("唐杰",)),
    ("文章开头如何介绍姚顺雨？", (EDITOR,)),
    ("顺雨和俊旸的判断有何不同？", ("姚顺雨", "林俊旸")),
])
def test_named_speakers(speakers, question, expected):
    assert analyze(question, speakers).speakers == expected


def test_who_questions_keep_the_named_person_in_the_topic(speakers):
    q = analyze("圆桌上是谁追问顺雨研究文化的问题？", speakers)
    assert q.asks_who and q.speakers == () and "顺雨" in q.topic
    assert analyze("Who said the odds are about 20%?", speakers).asks_who
    assert not analyze("What did Tang Jie say?", speakers).asks_who


def test_followup_pronoun_takes_the_earlier_speaker(speakers):
    q = analyze("他还说了什么？", speakers, ["林俊旸怎么看算力？"])
    assert q.followup and q.speakers == ("林俊旸",) and q.rewritten == "林俊旸还说了什么？"
    assert "算力" in q.topic
    q = analyze("And what did he suggest instead?", speakers, ["What does Tang Jie think about the gap?"])
    assert q.speakers == ("唐杰",) and q.rewritten == "And what did 唐杰 suggest instead?"


def test_followup_new_speaker_takes_the_earlier_topic(speakers):
    q = analyze("那唐杰呢？", speakers, ["林俊旸认为中国领先的概率有多大？"])
    assert q.followup and q.speakers == ("唐杰",)
    assert q.topic == "认为中国领先的概率有多大？" and q.rewritten == "唐杰认为中国领先的概率有多大？"
    q = analyze("What about Yao Shunyu?", speakers, ["What did Lin Junyang say about compute?"])
    assert q.speakers == ("姚顺雨",) and "compute" in q.topic


def test_a_question_with_its_own_speaker_is_not_rewritten(speakers):
    q = analyze("姚顺雨怎么看教育？", speakers, ["林俊旸怎么看算力？"])
    assert not q.followup and q.speakers == ("姚顺雨",) and q.rewritten == "姚顺雨怎么看教育？"


def test_history_is_bounded(speakers):
    history = ["唐杰怎么看RLVR？"] + ["天气如何？"] * 10
    q = analyze("他还说了什么？", speakers, history, max_history=4)
    assert q.speakers == ()  # the turn naming 唐杰 is older than the last four


def test_clean_and_truncate(speakers):
    assert clean("a\x00b c\ud800\n\nd\x7f") == "ab c d"
    q = analyze("唐杰" + "很" * 1000, speakers, max_chars=50)
    assert q.truncated and len(q.text) == 50
