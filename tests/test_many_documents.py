"""The real pipeline over a second corpus: a Chinese forum and an English stand-up."""
import shutil
from pathlib import Path

import pytest

FORUM = Path(__file__).parent / "fixtures" / "forum"
REPO = Path(__file__).resolve().parent.parent
SOURCES = [REPO / "rag" / f for f in sorted(p.name for p in (REPO / "rag").glob("*.py"))] + \
          sorted((REPO / "index").glob("*.py")) + [REPO / "app.py"]
# Being rewritten on another branch (answer planning) at the time of writing.
ELSEWHERE = {"compose.py"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def forum_pipeline(tmp_path_factory, rag_home):
    from rag.config import from_env
    from rag.pipeline import Pipeline
    home = tmp_path_factory.mktemp("forum-home")
    (home / "models").symlink_to((rag_home / "models").resolve())
    corpus = home / "corpus"
    shutil.copytree(FORUM, corpus)
    return Pipeline(from_env(home=home, corpus_dir=corpus)).warm_up(progress=False)


def test_english_question_over_an_english_transcript_names_the_right_speaker(forum_pipeline):
    a = forum_pipeline.answer("Who was worried about battery drain?")
    assert not a.abstained and a.speakers[0] == "Priya Natarajan"
    assert a.citations[0].chunk.doc_id == "standup"
    a = forum_pipeline.answer("Why did they move password reset to email links?")
    assert a.speakers[0] == "Omar Haddad" and "expensive" in a.answer


def test_the_document_filter_keeps_to_its_documents(forum_pipeline):
    a = forum_pipeline.answer("陈思远说推理成本下降了多少？", docs=["forum"])
    assert a.hits and {h.chunk.doc_id for h in a.hits} == {"forum"}
    assert a.speakers[0] == "陈思远" and "十倍" in a.answer
    b = forum_pipeline.answer("推理成本下降了多少？", docs=["standup"])
    assert {h.chunk.doc_id for h in b.hits} <= {"standup"}
    with pytest.raises(ValueError, match="unknown document 'nope'; known: forum, standup"):
        forum_pipeline.answer("推理成本下降了多少？", docs=["nope"])


def test_a_topic_the_named_speaker_never_discussed_is_not_put_in_their_mouth(forum_pipeline):
    # decided by where the content is (rag/plans.py not_said_by), not by an absolute rank
    a = forum_pipeline.answer("What did Zhao Min say about password reset?")
    assert a.abstained or a.speakers[:1] != ("赵敏",)


@pytest.mark.parametrize("question", ["Summarize Dana Whitfield's presentation.", "总结一下陈思远的发言稿"])
def test_the_talk_of_someone_who_gave_none_is_their_turns(forum_pipeline, question):
    """In a meeting or a panel "their presentation" is what they said: summarised, not declined
    or answered with one line because they gave no talk of their own."""
    a = forum_pipeline.answer(question)
    assert not a.abstained and len(a.citations) >= 3 and set(a.speakers) == {a.citations[0].chunk.speaker}
    assert a.answer.count("\n- ") >= 3


def test_a_disagreement_is_between_people_of_one_conversation(forum_pipeline):
    a = forum_pipeline.answer("How did Zhao Min disagree with the others about open-source models?")
    assert a.speakers[0] == "赵敏" and len(a.speakers) >= 2
    assert {c.chunk.doc_id for c in a.citations} == {"forum"}
    b = forum_pipeline.answer("Did Priya Natarajan disagree with the others about the release plan?")
    assert b.speakers[0] == "Priya Natarajan" and {c.chunk.doc_id for c in b.citations} == {"standup"}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_no_source_file_names_a_transcript(source):
    from index.corpus import Corpus
    corpus = Corpus.load(REPO / "corpus")
    # Titles, not people: docstrings quote the summit's sentences as examples of the conventions.
    names = [d.title for d in corpus.documents.values()] + ["AGI-Next"]
    found = [n for n in names if n in source.read_text(encoding="utf-8")]
    if source.name in ELSEWHERE and found:
        pytest.xfail(f"{source.name} still names {found} (being rewritten on another branch)")
    assert found == []



def test_a_summary_over_several_documents_is_of_the_document_retrieval_favours(two_doc_pipeline):
    # No document filter, and the summit's many middling passages outnumber the forum's three
    # best ones: the summary is still of the forum, whose passages rank first, and only of it.
    a = two_doc_pipeline.answer("总结一下关于推理成本的讨论")
    assert [h.chunk.doc_id for h in a.hits[:2]] == ["forum", "forum"]
    assert len(a.citations) >= 3 and {c.chunk.doc_id for c in a.citations} == {"forum"}


@pytest.mark.parametrize("question, doc", [("Who spoke at the stand-up?", "standup"), ("谁参加了开源模型论坛？", "forum")])
def test_who_spoke_at_a_document_named_by_its_title_is_that_documents_people(forum_pipeline, question, doc):
    """A name from one document's title picks that document's roster, not the other's."""
    a = forum_pipeline.answer(question)
    people = {p.speaker for p in forum_pipeline.corpus.passages_of(doc)}
    assert a.citations and {c.chunk.doc_id for c in a.citations} == {doc} and set(a.speakers) <= people



def test_a_documents_own_moderator_is_a_moderator_in_the_answers(forum_pipeline):
    """The forum's moderator comes from its meta file, not from the speakers file's flag: asked how
    a guest answered him, the guest's reply; a turn going on about their exchange, the guest."""
    a = forum_pipeline.answer("王立新问陈思远推理成本的问题，陈思远怎么回答的？")
    assert a.speakers[:1] == ("陈思远",) and "十倍" in a.citations[0].quote
    b = forum_pipeline.answer("主要靠什么做到的？", ["王立新问陈思远推理成本的问题，陈思远怎么回答的？"])
    assert b.speakers[:1] == ("陈思远",)


@pytest.mark.parametrize("question", ["王立新怎么看推理成本？", "What did Wang Lixin think about inference cost?"])
def test_what_a_documents_moderator_only_asked_is_said_to_be_a_question(forum_pipeline, question):
    """Not his question quoted as his view (only the speakers file's flagged moderator got this)."""
    a = forum_pipeline.answer(question)
    assert a.abstained and a.speakers[:1] == ("陈思远",)
