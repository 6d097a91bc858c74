"""The nearest-exemplar classifier (rag/exemplars.py): a one-hot fake embedder whose answers can
be worked out by hand, then the real model on the detail exemplars of rag/data."""
import json

import numpy as np
import pytest

from rag.exemplars import DETAIL_EXEMPLARS, NONE, Exemplars


class OneHot:
    """Each known sentence is a unit vector along its own axis; anything else is zero."""

    def __init__(self, sentences):
        self.axis = {s: i for i, s in enumerate(sentences)}

    def embed_queries(self, texts):
        out = np.zeros((len(texts), len(self.axis)), dtype=np.float32)
        for row, t in enumerate(texts):
            out[row, self.axis[t]] = 1.0
        return out


@pytest.fixture
def exemplars(tmp_path):
    data = {"_about": "skipped", "place": ["在哪里举行？"], "number": ["有多少人？"], NONE: ["难点在哪？"]}
    path = tmp_path / "ex.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return Exemplars.embed(OneHot(["在哪里举行？", "有多少人？", "难点在哪？"]), path)


def test_the_nearest_exemplar_among_the_labels_asked(exemplars):
    near_none = np.array([0.1, 0.5, 0.9])   # closest to 难点在哪？, then 有多少人？
    assert exemplars.labels == ["place", "number", NONE]
    assert exemplars.nearest(near_none, ("place", "number", NONE)) == NONE
    assert exemplars.nearest(near_none, ("place", "number")) == "number"
    assert not exemplars.confirms(near_none, "place")
    assert exemplars.confirms(np.array([0.9, 0.0, 0.5]), "place")


def test_without_a_vector_or_exemplars_of_the_kind_the_cue_words_stand(exemplars):
    assert exemplars.confirms(None, "place")
    assert exemplars.confirms(np.array([0.0, 0.0, 1.0]), "date")


def test_bad_files_and_labels_are_named(tmp_path, exemplars):
    empty = tmp_path / "empty.json"
    empty.write_text('{"_about": "nothing"}', encoding="utf-8")
    with pytest.raises(ValueError, match="no exemplar sentences in .*empty.json"):
        Exemplars.embed(OneHot([]), empty)
    with pytest.raises(ValueError, match="no exemplar labelled"):
        exemplars.nearest(np.ones(3), ("date",))
    with pytest.raises(ValueError, match="2 labels for 1 exemplar vectors"):
        Exemplars(["a", "b"], np.ones((1, 3)))


def test_a_label_is_as_close_as_the_mean_of_its_nearest_exemplars(tmp_path):
    """Two exemplars each, nearest=2: one odd exemplar close to the question does not decide."""
    data = {"number": ["n1", "n2"], NONE: ["x1", "x2"]}
    path = tmp_path / "ex.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    ex = Exemplars.embed(OneHot(["n1", "n2", "x1", "x2"]), path)
    ex = Exemplars(ex.labels, ex.vectors, nearest=2)
    v = np.array([0.9, 0.0, 0.5, 0.5])   # number: (0.9 + 0.0) / 2 = 0.45; none: (0.5 + 0.5) / 2 = 0.5
    assert ex.likeness(v, ("number", NONE)) == pytest.approx({"number": 0.45, NONE: 0.5})
    assert ex.nearest(v, ("number", NONE)) == NONE
    assert Exemplars(ex.labels, ex.vectors, nearest=1).nearest(v, ("number", NONE)) == "number"
    with pytest.raises(ValueError, match="nearest must be at least 1, got 0"):
        Exemplars(ex.labels, ex.vectors, nearest=0)


def test_a_detail_kind_asked_without_cue_words_needs_the_margin(exemplars):
    """kind(): the closest label other than none, only if it is that much closer than none."""
    v = np.array([0.2, 0.6, 0.5])   # place 0.2, number 0.6, none 0.5
    assert exemplars.kind(v, 0.05) == "number"
    assert exemplars.kind(v, 0.2) == NONE
    assert exemplars.kind(np.array([0.0, 0.1, 0.9]), 0.0) == NONE


def test_the_detail_exemplars_hold_every_kind_and_none():
    data = json.loads(DETAIL_EXEMPLARS.read_text(encoding="utf-8"))
    assert {k for k in data if not k.startswith("_")} == {"number", "date", "place", "name", "person", NONE}
    assert all(len(v) >= 4 for k, v in data.items() if not k.startswith("_"))


# Questions that are not exemplars (nor evaluation questions): the cue words of each read as
# asking for a detail; the model tells which really do.
@pytest.mark.slow
@pytest.mark.parametrize("question, kind, asks", [
    ("这家公司的短板在哪里？", "place", False),
    ("他认为真正的挑战在哪？", "place", False),
    ("那本小说最感人的地方在哪里", "place", False),   # what is most X about it: no place
    ("這款遊戲最好玩的地方在哪？", "place", False),
    ("新的研发中心建在哪", "place", True),
    ("发布会在哪个城市开的？", "place", True),
    ("Where did the two founders first meet?", "place", True),
    ("When did the lab release its first model?", "date", True),
    ("这个数据集有多少条样本？", "number", True),
    ("Did the company publish any figures on its revenue?", "number", True),
])
def test_the_model_tells_a_detail_asked_for_from_the_same_cue_words(pipeline, question, kind, asks):
    assert pipeline.forms.read(question).detail == kind
    vector = pipeline.retriever.dense.vector(question)
    assert pipeline.asks_detail.confirms(vector, kind) is asks


# "named" is no cue: a verb ("the first condition she named") more often than the asking of a name,
# which the exemplars tell ("What was the new chip named?")
@pytest.mark.slow
@pytest.mark.parametrize("question, kind", [("What was the new drone named?", "name"),
                                            ("What is the first risk the minister named in her speech?", "none")])
def test_named_asks_for_a_name_only_when_the_exemplars_say_so(pipeline, question, kind):
    assert not pipeline.forms.read(question).detail
    vector = pipeline.retriever.dense.vector(question)
    assert pipeline.asks_detail.kind(vector, pipeline.config.detail_margin) == kind


# A score or a rank is a number too, asked for in words no cue list holds (not exemplars either;
# "what score" is a cue since 2026-12-04)
@pytest.mark.slow
@pytest.mark.parametrize("question", ["What mark did the new model get on the reading benchmark?",
                                      "How did the new model score on the reading benchmark?",
                                      "這款手機在評測榜單上排第幾？",
                                      "What position did the team finish in the league?"])
def test_a_score_or_a_rank_asked_for_without_cue_words_is_a_number(pipeline, question):
    assert not pipeline.forms.read(question).detail
    vector = pipeline.retriever.dense.vector(question)
    assert pipeline.asks_detail.kind(vector, pipeline.config.detail_margin) == "number"


# Summaries of a person or an event that are not exemplars (nor evaluation questions), with the
# name removed as the pipeline removes it: all of it, or what was said on one topic.
@pytest.mark.slow
@pytest.mark.parametrize("question, part", [
    ("总结一下她的发言", False),
    ("他的主要观点有哪些？", False),
    ("Summarize his talk.", False),
    ("What were her key takeaways?", False),
    ("概括一下他在圆桌上谈算力和资源的发言", True),
    ("总结一下她讲数据隐私的那段话", True),
    ("Summarize what he said in the panel about the chip supply.", True),
    # of an event: all of it, or one topic of it
    ("概括一下整场直播", False),
    ("What were the highlights of the conference?", False),
    ("把研讨会上涉及人才培养的那些讨论归纳几条", True),
    ("歸納一下座談會上對交通的看法", True),
    ("Summarize what the panel said about tariffs.", True),
])
def test_the_model_tells_a_summary_of_one_part_from_one_of_everything(pipeline, question, part):
    form = _form(pipeline, pipeline.analyze(question))
    assert form.plan == "summary" and form.part is part


def test_the_plan_exemplars_hold_summary_and_none_and_name_nothing_of_the_transcript():
    from rag.exemplars import PLAN_EXEMPLARS
    from tests.conftest import CORPUS
    data = json.loads(PLAN_EXEMPLARS.read_text(encoding="utf-8"))
    assert {k for k in data if not k.startswith("_")} == {"summary", NONE}
    assert all(len(v) >= 20 for k, v in data.items() if not k.startswith("_"))
    speakers = json.loads((CORPUS / "speakers.json").read_text(encoding="utf-8"))
    names = {n for s in speakers.get("speakers", []) for n in [s.get("name", ""), s.get("en", "")] + s.get("aliases", []) if n}
    text = PLAN_EXEMPLARS.read_text(encoding="utf-8")
    assert names and not [n for n in names if n in text]


# Overview requests that no summary cue word marks, and questions that ask for something in
# the material, none of them exemplars (nor evaluation questions), on invented topics.
@pytest.mark.slow
@pytest.mark.parametrize("question, overview", [
    ("What subjects did the town hall meeting go over?", True),
    ("研讨会的议题有哪些", True),
    ("What did the mayor say about parking?", False),
    ("议员为什么反对这个预算？", False),
    ("校长对延长午休怎么看？", False),
    ("What happened to the bridge project?", False),
])
def test_an_overview_asked_without_cue_words_is_a_summary(pipeline, question, overview):
    query = pipeline.analyze(question)
    assert pipeline.forms.read(query.rewritten).plan != "summary"   # no cue word asks for one
    form = _form(pipeline, query)
    assert (form.plan == "summary") is overview


@pytest.mark.slow
@pytest.mark.parametrize("earlier, question", [("What did Tang Jie say about open source?", "What did they discuss next?"),
                                               ("林俊旸怎么看开源？", "接下来讨论了什么？")])
def test_a_follow_up_is_no_overview_of_the_material(pipeline, earlier, question):
    query = pipeline.analyze(question, [earlier])
    form = _form(pipeline, query)
    assert query.followup and form.plan != "summary"


def _form(pipeline, query):
    """What the pipeline reads a question to ask, with the vector retrieval embeds for it."""
    return pipeline._form(query, pipeline.retriever.dense.vector(query.focus or query.rewritten))
