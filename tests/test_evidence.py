"""Sentence-level evidence measured in the question's language: an English question is scored
against each unit's English rendering as well as the Chinese original. A one-hot fake embedder
makes the cosines checkable by hand."""
from pathlib import Path

import faiss
import numpy as np

from index.edition import Edition, Unit
from index.records import Chunk
from index.sentences import Sentence
from index.store import Index
from index.tokens import Tokenizer
from rag.evidence import Evidence

WORDS = ("optimizer", "price", "优化器", "价格")
ALL = np.arange(2)


class OneHot:
    def embed_documents(self, texts):
        out = np.zeros((len(texts), len(WORDS) + 1), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, next((i for i, w in enumerate(WORDS) if w in text), len(WORDS))] = 1
        return out

    embed_queries = embed_documents


def _indexed(tmp_path, chunks, units, words=()) -> Evidence:
    """Evidence over these chunks and sentence units, embedded by the one-hot fake."""
    fake = OneHot()
    vectors = faiss.IndexFlatIP(5)
    vectors.add(fake.embed_documents([c.text for c in chunks]))
    index = Index(tmp_path, {"model": "m"}, tuple(chunks), vectors, sentences=tuple(units),
                  sentence_vectors=fake.embed_documents([u.text for u in units]))
    return Evidence(index, Tokenizer(list(words), {}))


def _evidence(tmp_path, translated=True):
    source = "二阶优化器很有效。价格是两百美元。"
    chunk = Chunk.make("d", "A", "s", "talk", source, 0, len(source), 0)
    units = (Sentence("d", chunk.chunk_id, "A", "s", "talk", "二阶优化器很有效。", 0, 9, 0),
             Sentence("d", chunk.chunk_id, "A", "s", "talk", "价格是两百美元。", 9, 17, 0))
    fake = OneHot()
    evidence = _indexed(tmp_path, (chunk,), units, ["优化器"])   # a term of the corpus (terms.txt)
    if translated:
        edition = Edition("d", "en", Path("d.en.jsonl"), (Unit(0, 9, units[0].text, "The second-order optimizer works."),
                                                          Unit(9, 17, units[1].text, "The price is 200 dollars.")), False)
        evidence.translate({("d", "en"): edition}, fake, "m", tmp_path / "editions")
    return evidence, fake


def test_an_english_question_is_measured_against_the_renderings(tmp_path):
    evidence, fake = _evidence(tmp_path)
    q = fake.embed_queries(["what price did he name?"])[0]
    weights = {"price": 1.0, "name": 1.0}
    m = evidence.measure(q, weights, lang="en")
    assert m.dense(ALL).tolist() == [0.0, 1.0] and m.keyword(ALL).tolist() == [0.0, 0.5]
    plain = evidence.measure(q, weights)            # the same question read as not English: originals only
    assert plain.dense(ALL).tolist() == [0.0, 0.0] and plain.keyword(ALL).tolist() == [0.0, 0.0]
    assert evidence.rendering("d", 9, 17, "en") == "The price is 200 dollars."


def test_the_original_still_counts_when_it_is_closer(tmp_path):
    evidence, fake = _evidence(tmp_path)
    q = fake.embed_queries(["优化器"])[0]
    m = evidence.measure(q, {"优化器": 1.0}, lang="en")
    assert m.dense(ALL).tolist() == [1.0, 0.0] and m.keyword(ALL).tolist() == [1.0, 0.0]


def test_without_an_edition_nothing_is_translated(tmp_path):
    evidence, fake = _evidence(tmp_path, translated=False)
    assert evidence.translated == {}
    m = evidence.measure(fake.embed_queries(["price"])[0], {"price": 1.0}, lang="en")
    assert m.dense(ALL).tolist() == [0.0, 0.0] and m.keyword(ALL).tolist() == [0.0, 0.0]


def _turns(tmp_path, turns):
    """Evidence over one section of turns [(speaker, kind, text)], a sentence unit each."""
    source, chunks, units = "", [], []
    for n, (speaker, kind, text) in enumerate(turns):
        start = len(source)
        source += text
        chunk = Chunk.make("d", speaker, "s", kind, text, start, len(source), n)
        chunks.append(chunk)
        units.append(Sentence("d", chunk.chunk_id, speaker, "s", kind, text, start, len(source), n))
    return _indexed(tmp_path, chunks, units)


def _conversation(tmp_path, turns, kind="roundtable"):
    """Evidence over one section of turns [(speaker, text)], all of one kind, a sentence unit each."""
    return _turns(tmp_path, [(speaker, kind, text) for speaker, text in turns])


def test_the_speakers_of_an_exchange_are_those_of_the_turns_around_it(tmp_path):
    evidence = _conversation(tmp_path, [("A", "One."), ("B", "Two."), ("B", "Two more."), ("C", "Three."),
                                        ("D", "Four."), ("E", "Five.")])
    assert evidence.speakers_around(3, 1) == {"B", "C", "D"}      # a turn of B is two units
    assert evidence.speakers_around(3, 2) == {"A", "B", "C", "D", "E"}
    assert evidence.speakers_around(0, 1) == {"A", "B"}


def test_quotes_set_side_by_side_in_an_article_are_no_exchange(tmp_path):
    evidence = _conversation(tmp_path, [("A", "One."), ("B", "Two.")], kind="summary_quote")
    assert evidence.speakers_around(0, 1) == {"A"}


def test_a_unit_mentions_the_words_of_its_rendering_in_the_questions_language(tmp_path):
    # A follow-up may quote an earlier quote again when it asks about it in its own words
    # (plans._answerers): an English question's words are found in the English rendering.
    evidence, _ = _evidence(tmp_path)
    assert evidence.mentions(1, frozenset({"price"}), "en")
    assert not evidence.mentions(1, frozenset({"price"}))           # the original holds no English word
    assert not evidence.mentions(0, frozenset({"price"}), "en")     # nor does the other rendering
    assert evidence.mentions(0, frozenset({"优化器"}), "en")          # the original still counts


def test_the_articles_lead_in_to_a_quote_is_not_what_the_quote_mentions(tmp_path):
    # the English edition renders the whole sentence, lead-in and all; a reader is shown (and a
    # follow-up asks about) only the part inside the quotation marks
    source = "他以价格为例：「优化器很有效。」"
    chunk = Chunk.make("d", "A", "s", "summary_quote", source, 0, len(source), 0)
    unit = Sentence("d", chunk.chunk_id, "A", "s", "summary_quote", "优化器很有效。", 8, 15, 0)
    fake = OneHot()
    evidence = _indexed(tmp_path, (chunk,), (unit,), ["优化器"])
    edition = Edition("d", "en", Path("d.en.jsonl"), (Unit(0, len(source), source,
                                                          "Taking price as an example: “The optimizer works.”"),), False)
    evidence.translate({("d", "en"): edition}, fake, "m", tmp_path / "editions")
    assert source[8:15] == unit.text
    assert evidence.inside_quote(unit, evidence.rendering("d", 8, 15, "en")) == "The optimizer works."
    assert evidence.mentions(0, frozenset({"optim"}), "en")
    assert not evidence.mentions(0, frozenset({"price"}), "en") and not evidence.mentions(0, frozenset({"exampl"}), "en")


def test_a_term_in_quotation_marks_is_no_open_quote(tmp_path):
    """「崛起」 closed before the sentence: the sentence is the article's own, read whole."""
    source = "他们讨论「崛起」。概率低于20%。"
    chunk = Chunk.make("d", "编者", "s", "narration", source, 0, len(source), 0)
    unit = Sentence("d", chunk.chunk_id, "编者", "s", "narration", "概率低于20%。", 9, 17, 0)
    evidence = _indexed(tmp_path, (chunk,), (unit,))
    whole = "They discuss “rise”. The probability is below 20%."
    assert source[9:17] == unit.text
    assert evidence.inside_quote(unit, whole) == whole


def test_the_opening_of_a_reply_scores_part_of_the_way_to_the_question_it_answers(tmp_path):
    evidence = _turns(tmp_path, [("M", "moderator_question", "What price would you put on it?"),
                                 ("A", "roundtable", "Twenty, I think."), ("A", "roundtable", "So much for that."),
                                 ("A", "roundtable", "Later, something else."), ("B", "roundtable", "Not me.")])
    assert evidence._reply_to.tolist() == [-1, 0, 0, -1, -1]    # the reply's first two sentences (REPLY_LEAD)
    thanks = _turns(tmp_path / "thanks", [("M", "moderator_question", "Thank you all for coming."),
                                          ("A", "roundtable", "Twenty, I think.")])
    assert thanks._reply_to.tolist() == [-1, -1]                # a moderator's turn asking nothing
    q = OneHot().embed_queries(["price"])[0]
    m = evidence.measure(q, {})
    plain = evidence.score(m, 0.0, 0.0)
    lifted = evidence.score(m, 0.0, 0.0, reply_weight=0.5)
    assert [s.i for s in plain][:1] == [0] and plain[1].score == 0.0
    # "Twenty, I think." says no "price", but answers the question that does: half its lead
    assert {s.i: s.score for s in lifted}[1] == 0.5 and {s.i: s.score for s in lifted}[3] == 0.0


def test_two_quotes_join_only_where_they_meet_in_one_chunk(tmp_path):
    one, two = "我们认为二阶优化器在这类任务上很有效而且稳定。", "它的价格是每个月两百美元左右而且还会继续下降。"
    source = one + two
    chunk = Chunk.make("d", "A", "s", "talk", source, 0, len(source), 0)
    units = (Sentence("d", chunk.chunk_id, "A", "s", "talk", one, 0, len(one), 0),
             Sentence("d", chunk.chunk_id, "A", "s", "talk", two, len(one), len(source), 0))
    evidence = _indexed(tmp_path, (chunk,), units)
    first, second = evidence.quote(0), evidence.quote(1)
    assert (first.first, first.last) == (0, 0)
    joined = evidence.joined(second, first)
    assert (joined.start, joined.end, joined.first, joined.last) == (0, len(source), 0, 1)
    assert joined.text == source
    assert evidence.joined(first, first) is None      # a quote does not meet itself
    long = "很长的句子" * 30 + "。"                       # together longer than MAX_QUOTE
    source = one + long
    chunk = Chunk.make("d", "A", "s", "talk", source, 0, len(source), 0)
    units = (Sentence("d", chunk.chunk_id, "A", "s", "talk", one, 0, len(one), 0),
             Sentence("d", chunk.chunk_id, "A", "s", "talk", long, len(one), len(source), 0))
    evidence = _indexed(tmp_path / "long", (chunk,), units)
    assert evidence.joined(evidence.quote(0), evidence.quote(1)) is None


def test_a_unit_too_short_to_say_anything_is_nobodys_twin(tmp_path):
    texts = ["为什么呢？", "很多人问我们为什么做开源这一件事情，其实有机缘巧合的成分。",
             "很多人问我们为什么做开源，其实有机缘巧合的成分在这里。"]
    source = "".join(texts)
    chunk = Chunk.make("d", "A", "s", "talk", source, 0, len(source), 0)
    units, at = [], 0
    for text in texts:
        units.append(Sentence("d", chunk.chunk_id, "A", "s", "talk", text, at, at + len(text), 0))
        at += len(text)
    evidence = _indexed(tmp_path, (chunk,), tuple(units))
    assert not evidence.similar(0, 1)      # its every pair of characters is in the other, but it is two pairs
    assert not evidence.similar(0, 0)      # nor a twin of itself: too short to say the same thing as anything
    assert evidence.similar(1, 2)          # a sentence and its shorter retelling


def test_a_turn_that_only_asks_the_moderator_back_is_no_view(tmp_path):
    evidence = _turns(tmp_path, [("M", "moderator_question", "How likely is it?"),
                                 ("A", "roundtable", "You mean in percent?"),
                                 ("M", "moderator_question", "Yes, in percent."),
                                 ("A", "roundtable", "Twenty percent, I think."),
                                 ("A", "roundtable", "Why would it be more?"),      # goes on to B, not the moderator
                                 ("B", "roundtable", "More, I think."),
                                 ("B", "roundtable", "Is that so?")])              # the last turn: nobody answers
    assert [evidence.asks_back(u) for u in evidence.units] == [False, True, False, False, False, False, False]


def test_the_moderators_answer_to_someone_asking_back_is_the_question_the_next_reply_answers(tmp_path):
    """"You mean in percent?" "Yes, in percent." "Twenty percent, I think.": the moderator's
    turn asks nothing, but restates the question asked back about, which the reply answers."""
    evidence = _turns(tmp_path, [("M", "moderator_question", "How likely is it?"),
                                 ("A", "roundtable", "You mean in percent?"),
                                 ("M", "moderator_question", "Yes, in percent."),
                                 ("A", "roundtable", "Twenty percent, I think.")])
    assert evidence._reply_to.tolist() == [-1, 0, -1, 1]
    assert [u.tolist() for u in evidence._asking] == [[0], [2]]
    plain = _turns(tmp_path / "plain", [("M", "moderator_question", "Thank you, that is all."),
                                        ("A", "roundtable", "Twenty percent, I think.")])
    assert plain._reply_to.tolist() == [-1, -1]      # nobody asked back: a moderator's remark, no question


def test_a_words_share_counts_by_its_rarity_and_a_reply_holds_the_words_of_its_question(tmp_path):
    evidence = _turns(tmp_path, [("M", "moderator_question", "What price would you put on it?"),
                                 ("A", "roundtable", "Twenty, I think."),
                                 ("B", "roundtable", "The price is high."),
                                 ("C", "roundtable", "The price went up.")])
    shares = evidence.rare_shares({"price": 1.0, "put": 1.0})
    # "put" is said once, "price" three times: B holds half the words but much less of their weight
    assert shares[0] == 1.0 and 0.0 < shares[2] == shares[3] < 0.3
    assert shares[1] == 1.0          # the reply answers the question that holds them all


def _paragraphs(tmp_path, paragraphs):
    """Evidence over one chunk of one section: [(speaker, [sentence, ...]), ...], a paragraph each."""
    source, units = "", []
    texts = [(p, speaker, text) for p, (speaker, sentences) in enumerate(paragraphs) for text in sentences]
    source = "".join(text for _, _, text in texts)
    chunk = Chunk.make("d", "A", "s", "roundtable", source, 0, len(source), 0)
    at = 0
    for p, speaker, text in texts:
        units.append(Sentence("d", chunk.chunk_id, speaker, "s", "roundtable", text, at, at + len(text), p))
        at += len(text)
    return _indexed(tmp_path, (chunk,), tuple(units))


def test_a_lead_in_ending_its_paragraph_announces_the_paragraphs_after_it(tmp_path):
    evidence = _paragraphs(tmp_path, [("A", ["I see three chances for us:"]),
                                      ("A", ["First, people dare to take risks.", "Young ones most of all."]),
                                      ("A", ["Second, the market is changing."]),
                                      ("B", ["I agree with that."]),
                                      ("B", ["My point is this:", "we must keep going."])])
    assert evidence.announced(0) == [1, 3]             # each paragraph's first sentence, until B speaks
    assert evidence.announced(5) == []                 # a lead-in with its paragraph going on after it
    assert evidence.announced(1) == [] and evidence.announced(4) == []   # no lead-in


def test_a_line_stopping_mid_sentence_announces_the_paragraphs_up_to_the_one_ending_it(tmp_path):
    evidence = _paragraphs(tmp_path, [("A", ["The meeting brought together"]),
                                      ("A", ["Ann, a professor"]), ("A", ["and Bo, a founder."]),
                                      ("A", ["Both spoke on risk."]), ("A", ["It was cold."])])
    assert evidence.announced(0) == [1, 2]             # up to the paragraph that ends its sentence
    assert evidence.announced(3) == []                 # a finished sentence announces nothing
