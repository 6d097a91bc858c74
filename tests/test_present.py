"""rag.present: exact HTML for a small hand-made transcript, escaping included."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from index.edition import Edition, Unit
from index.parse import paragraphs
from index.records import Chunk, Passage
from index.speakers import Speaker
from rag import present as P
from rag.records import Answer, Citation, Hit

SOURCE = "## 圆桌\n\n林俊旸：我觉得<b>是</b>20%吧。\n风险 & 机会都有。\n\n姚顺雨：同意。"
PARAS = paragraphs(SOURCE)
PEOPLE = P.People.of([Speaker("林俊旸", "Lin Junyang", "", "", (), (), ()),
                      Speaker("姚顺雨", "Yao Shunyu", "", "", (), (), ()),
                      Speaker("编者", "编者", "", "", (), (), ())])
Q_START, Q_END = SOURCE.index("<b>"), SOURCE.index("吧")       # the quote: <b>是</b>20%
C_START, C_END = SOURCE.index("我觉得"), SOURCE.index("\n风险")  # the cited chunk: 我觉得…吧。
CHUNK = Chunk.make("agi", "林俊旸", "圆桌", "roundtable", SOURCE[C_START:C_END], C_START, C_END, 1)
CITATION = Citation(1, CHUNK, SOURCE[Q_START:Q_END], Q_START, Q_END)

CARD = ('<article class="src" id="src-2-1"><header><a class="src-n" href="#src-2-1">[1]</a> '
        '<span class="badge sp-0" title="Lin Junyang">林俊旸</span> '
        '<span class="kind">round table · 圆桌</span><span class="section">圆桌</span></header>'
        '<div class="src-text"><p><span class="ctx">林俊旸：</span>我觉得'
        '<mark>&lt;b&gt;是&lt;/b&gt;20%</mark>吧。<span class="ctx">\n风险 &amp; 机会都有。</span></p></div>'
        '<footer><a class="to-transcript" href="#t-agi-7" data-doc="agi">Open in transcript · 在全文中查看</a></footer>'
        '</article>')


def _answer(question="林俊旸怎么看？", rewritten=None, citations=(CITATION,), hits=(), speakers=("林俊旸",),
            text="林俊旸认为：「<b>是</b>20%」[1]", abstained=False, notices=()):
    return Answer(question, rewritten or question, text, abstained, speakers, citations, hits, "zh", notices)


def test_offsets_of_the_fixture():
    assert [(p.start, p.end) for p in PARAS] == [(0, 5), (7, 38), (40, 47)]
    assert (Q_START, Q_END, C_START, C_END) == (14, 25, 11, 27)


def test_question_is_shown_as_text():
    assert (P.question_html("<script>alert(1)</script>\n**x** [a](http://e.com)")
            == '<div class="q">&lt;script&gt;alert(1)&lt;/script&gt;<br>**x** [a](http://e.com)</div>')


def test_highlight_escapes_and_marks_the_quote():
    assert (P.highlight("说：<script>alert(1)</script>。", 0, 29, (2, 27))
            == '说：<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>。')


def test_highlight_dims_text_outside_the_passage():
    para = PARAS[1]
    assert (P.highlight(SOURCE, para.start, para.end, (Q_START, Q_END), (C_START, C_END))
            == '<span class="ctx">林俊旸：</span>我觉得<mark>&lt;b&gt;是&lt;/b&gt;20%</mark>吧。'
               '<span class="ctx">\n风险 &amp; 机会都有。</span>')


def test_highlight_clips_a_quote_that_spans_paragraphs():
    assert P.highlight("abcdef", 2, 4, (0, 3)) == "<mark>c</mark>d"
    assert P.highlight("abcdef", 2, 4, (5, 6)) == "cd"


def test_paragraphs_around():
    assert [p.index for p in P.paragraphs_around(PARAS, C_START, C_END)] == [1]
    assert [p.index for p in P.paragraphs_around(PARAS, 9, 45)] == [1, 2]
    assert [p.index for p in P.paragraphs_around(PARAS, 0, 3)] == [0]


def test_answer_links_its_citation_markers():
    assert (P.answer_html("甲说：「<i>x</i>」[1]\n乙 [2]", turn=3, cited={1})
            == '<div class="answer">甲说：「&lt;i&gt;x&lt;/i&gt;」<a class="cite" href="#src-3-1">[1]</a>'
               "<br>乙 [2]</div>")


def test_streamed_text_links_every_marker():
    assert (P.answer_html("a [1] b [12]", turn=1)
            == '<div class="answer">a <a class="cite" href="#src-1-1">[1]</a> b '
               '<a class="cite" href="#src-1-12">[12]</a></div>')


def test_answer_message_names_speakers_and_the_rewritten_question():
    answer = _answer(question="那他呢？", rewritten="林俊旸 <怎么看>？", notices=("question cut",))
    assert (P.answer_message(answer, 1, PEOPLE)
            == '<div class="answer">林俊旸认为：「&lt;b&gt;是&lt;/b&gt;20%」'
               '<a class="cite" href="#src-1-1">[1]</a></div><div class="answer-meta"><span class="meta-label">Speakers · 发言人</span> '
               '<span class="badge sp-0" title="Lin Junyang">林俊旸</span><br>'
               '<span class="note">Understood as · 理解为：林俊旸 &lt;怎么看&gt;？</span><br>'
               '<span class="note">question cut</span></div>')


def test_abstention_has_no_meta_line():
    answer = _answer(text="The transcript does not cover this.", citations=(), speakers=(), abstained=True)
    assert (P.answer_message(answer, 1, PEOPLE)
            == '<div class="answer">The transcript does not cover this.</div>')


def test_badges():
    assert P.badge("姚顺雨", PEOPLE) == '<span class="badge sp-1" title="Yao Shunyu">姚顺雨</span>'
    assert P.badge("编者", PEOPLE) == '<span class="badge sp-2">编者</span>'
    assert P.badge("<x>", PEOPLE) == '<span class="badge sp-3">&lt;x&gt;</span>'


def test_anchor_ids_are_html_safe_and_stable():
    assert P.anchor_id("agi-next-2026", 611) == "t-agi-next-2026-611"
    assert P.anchor_id("访谈 1", 0) == "t-___1_e3af29-0"
    assert P.anchor_id("访谈 2", 0) != P.anchor_id("访谈 1", 0)


def test_source_card():
    assert P.source_card(CITATION, 2, SOURCE, PARAS, PEOPLE) == CARD


def test_source_card_links_to_the_paragraph_of_the_quote():
    both = Chunk.make("agi", "林俊旸", "圆桌", "roundtable", SOURCE[C_START:47], C_START, 47, 1)
    quote = SOURCE.index("同意")
    card = P.source_card(Citation(1, both, "同意", quote, quote + 2), 2, SOURCE, PARAS, PEOPLE)
    assert card.count("<p>") == 2 and "<mark>同意</mark>" in card
    assert 'href="#t-agi-40" data-doc="agi">Open in transcript' in card


# The English rendering of the quote, with text that must not become markup.
QUOTE_EN = 'I think it is "<b>yes</b>", 20% & <script>alert(1)</script>'
RENDERING = ('<div class="src-en" lang="en"><span class="src-en-label">English (translated) · 英译</span>'
             '<p>I think it is &quot;&lt;b&gt;yes&lt;/b&gt;&quot;, 20% &amp; '
             '&lt;script&gt;alert(1)&lt;/script&gt;</p></div>')


def test_source_card_shows_the_english_rendering_under_the_marked_original():
    card = P.source_card(replace(CITATION, quote_en=QUOTE_EN), 2, SOURCE, PARAS, PEOPLE)
    footer = CARD.index("<footer>")
    assert card == CARD[:footer] + RENDERING + CARD[footer:]
    assert card.index("<mark>&lt;b&gt;是&lt;/b&gt;20%</mark>") < card.index('<div class="src-en"')
    assert "<script>" not in card and "<b>" not in card


@pytest.mark.parametrize("quote_en", ["", "  \n"])
def test_source_card_without_a_rendering_is_unchanged(quote_en):
    assert P.source_card(replace(CITATION, quote_en=quote_en), 2, SOURCE, PARAS, PEOPLE) == CARD


def test_sources_panel():
    hit = Hit(CHUNK, 0.5, 1)
    panel = P.sources_panel([(2, _answer(hits=(hit,)))], {"agi": SOURCE}, lambda d: PARAS, PEOPLE)
    assert panel == (
        '<div class="sources" data-turn="2"><p class="for-q">Sources for · 来源：<q>林俊旸怎么看？</q></p>'
        + CARD + '<details class="hits"><summary>Retrieved passages · 检索到的段落 (1)</summary><ol>'
        '<li class="cited"><span class="rank">#1</span> <span class="badge sp-0" title="Lin Junyang">林俊旸</span> '
        '<span class="kind">round table · 圆桌</span> <a class="to-transcript" href="#t-agi-7" data-doc="agi">'
        "我觉得&lt;b&gt;是&lt;/b&gt;20%吧。</a></li></ol></details></div>")


def test_sources_panel_folds_earlier_answers_newest_first():
    nothing = _answer(question="<天气>", text="not covered", citations=(), speakers=(), abstained=True)
    panel = P.sources_panel([(1, _answer(question="第一")), (2, _answer(question="第二")), (3, nothing)],
                            {"agi": SOURCE}, lambda d: PARAS, PEOPLE)
    assert panel.startswith('<div class="sources" data-turn="3"><p class="for-q">Sources for · 来源：'
                            '<q>&lt;天气&gt;</q></p><p class="empty">No passage of the transcript')
    assert panel.index("<q>第二</q>") < panel.index("<q>第一</q>")
    assert 'id="src-2-1"' in panel and 'id="src-1-1"' in panel and 'id="src-3-1"' not in panel


def test_sources_panel_empty():
    assert P.sources_panel([], {}, lambda d: [], PEOPLE).startswith('<div class="sources"><p class="empty">')


TRANSCRIPT_PASSAGES = [
    Passage("agi", "编者", "圆桌", "heading", "## 圆桌", 0, 5, 1, 0),
    Passage("agi", "林俊旸", "圆桌", "roundtable", SOURCE[11:38], 11, 38, 3, 1),
    Passage("agi", "姚顺雨", "圆桌", "roundtable", "同意。", 44, 47, 6, 2),
]


def test_transcript():
    assert P.transcript_html(TRANSCRIPT_PASSAGES, {"agi": SOURCE}, lambda d: PARAS, PEOPLE) == (
        '<div class="transcript"><div class="t-heading t-h2" id="t-agi-0">圆桌</div>'
        '<div class="t-para" id="t-agi-7"><div class="t-meta"><a class="t-anchor" href="#t-agi-7" '
        'title="line 3">¶2</a> <span class="badge sp-0" title="Lin Junyang">林俊旸</span> '
        '<span class="kind">round table · 圆桌</span></div>'
        "<p>林俊旸：我觉得&lt;b&gt;是&lt;/b&gt;20%吧。\n风险 &amp; 机会都有。</p></div>"
        '<div class="t-para" id="t-agi-40"><div class="t-meta"><a class="t-anchor" href="#t-agi-40" '
        'title="line 6">¶3</a> <span class="badge sp-1" title="Yao Shunyu">姚顺雨</span> '
        '<span class="kind">round table · 圆桌</span></div><p>姚顺雨：同意。</p></div></div>')


@pytest.mark.parametrize("only, hidden", [
    ({"姚顺雨"}, ["t-agi-7"]),
    ({"唐杰"}, ["t-agi-0", "t-agi-7", "t-agi-40"]),  # nothing shown: the heading goes too
])
def test_transcript_filter_hides_other_speakers(only, hidden):
    html = P.transcript_html(TRANSCRIPT_PASSAGES, {"agi": SOURCE}, lambda d: PARAS, PEOPLE, only)
    ids = ["t-agi-0", "t-agi-7", "t-agi-40"]
    assert [i for i in ids if f'id="{i}" hidden' in html] == hidden
    assert [i for i in ids if f'id="{i}">' in html] == [i for i in ids if i not in hidden]


def test_every_kind_has_a_label():
    from index.records import KINDS
    assert set(P.KIND_LABELS) == set(KINDS)


# A hand-made English edition of SOURCE: one unit per sentence, hostile text in two of them.
EDITION = Edition("agi", "en", Path("agi.en.jsonl"), (
    Unit(0, 5, "## 圆桌", "## Round <table>"),
    Unit(7, 27, "林俊旸：我觉得<b>是</b>20%吧。", "Lin Junyang: I think <b>yes</b>, 20%."),
    Unit(28, 38, "风险 & 机会都有。", "Both risks & <i>chances</i>."),
    Unit(40, 47, "姚顺雨：同意。", "Yao Shunyu: Agreed."),
), False)


def test_transcript_with_the_english_edition_beside_each_paragraph():
    html = P.transcript_html(TRANSCRIPT_PASSAGES, {"agi": SOURCE}, lambda d: PARAS, PEOPLE,
                             editions={"agi": EDITION})
    assert html == (
        '<div class="transcript bilingual"><p class="t-note">' + P.esc(P.EDITION_NOTE) + "</p>"
        '<div class="t-heading t-h2" id="t-agi-0">圆桌 <span class="t-en" lang="en">Round &lt;table&gt;</span></div>'
        '<div class="t-para" id="t-agi-7"><div class="t-meta"><a class="t-anchor" href="#t-agi-7" '
        'title="line 3">¶2</a> <span class="badge sp-0" title="Lin Junyang">林俊旸</span> '
        '<span class="kind">round table · 圆桌</span></div>'
        "<p>林俊旸：我觉得&lt;b&gt;是&lt;/b&gt;20%吧。\n风险 &amp; 机会都有。</p>"
        '<p class="t-en" lang="en">Lin Junyang: I think &lt;b&gt;yes&lt;/b&gt;, 20%. '
        "Both risks &amp; &lt;i&gt;chances&lt;/i&gt;.</p></div>"
        '<div class="t-para" id="t-agi-40"><div class="t-meta"><a class="t-anchor" href="#t-agi-40" '
        'title="line 6">¶3</a> <span class="badge sp-1" title="Yao Shunyu">姚顺雨</span> '
        '<span class="kind">round table · 圆桌</span></div><p>姚顺雨：同意。</p>'
        '<p class="t-en" lang="en">Yao Shunyu: Agreed.</p></div></div>')


def test_transcript_english_edition_keeps_the_speaker_filter_and_anchors():
    plain = P.transcript_html(TRANSCRIPT_PASSAGES, {"agi": SOURCE}, lambda d: PARAS, PEOPLE, {"姚顺雨"})
    both = P.transcript_html(TRANSCRIPT_PASSAGES, {"agi": SOURCE}, lambda d: PARAS, PEOPLE, {"姚顺雨"},
                             {"agi": EDITION})
    ids = ["t-agi-0", "t-agi-7", "t-agi-40"]
    assert [i for i in ids if f'id="{i}" hidden' in both] == [i for i in ids if f'id="{i}" hidden' in plain] \
        == ["t-agi-7"]
    assert both.count('class="t-en"') == 3


def test_transcript_paragraph_the_edition_does_not_cover_stays_alone():
    partial = replace(EDITION, units=EDITION.units[:1])   # the heading only
    html = P.transcript_html(TRANSCRIPT_PASSAGES, {"agi": SOURCE}, lambda d: PARAS, PEOPLE,
                             editions={"agi": partial})
    assert html.count('class="t-en"') == 1 and "<p>姚顺雨：同意。</p></div>" in html


def test_transcript_edition_of_another_document_is_not_shown():
    assert (P.transcript_html(TRANSCRIPT_PASSAGES, {"agi": SOURCE}, lambda d: PARAS, PEOPLE,
                              editions={"other": EDITION})
            == P.transcript_html(TRANSCRIPT_PASSAGES, {"agi": SOURCE}, lambda d: PARAS, PEOPLE))


# ------------------------------------------------------------------ many documents

from index.documents import Document  # noqa: E402

FORUM_DOC = Document("forum", "开源 <论坛>", "zh", ())
TWO = {"agi": Document("agi", "峰会", "zh", ()), "forum": FORUM_DOC}
FORUM_CHUNK = Chunk.make("forum", "姚顺雨", "圆桌", "roundtable", "同意。", 44, 47, 2)
FORUM_CITATION = Citation(2, FORUM_CHUNK, "同意", 44, 46)


def test_document_choices_are_titles_told_apart_by_id_when_shared():
    assert P.document_choices(TWO) == [("峰会", "agi"), ("开源 <论坛>", "forum")]
    same = {"a": Document("a", "Weekly", "en", ()), "b": Document("b", "Weekly", "en", ()),
            "c": Document("c", "Kickoff", "en", ())}
    assert P.document_choices(same) == [("Weekly · a", "a"), ("Weekly · b", "b"), ("Kickoff", "c")]


def test_titles_name_documents_only_in_a_corpus_of_several():
    assert P.Titles.of({"agi": TWO["agi"]}).name("agi") == ""
    titles = P.Titles.of(TWO)
    assert (titles.name("agi"), titles.name("forum")) == ("峰会", "开源 <论坛>")
    assert P.doc_tag("forum", titles) == '<span class="doc" title="forum">开源 &lt;论坛&gt;</span>'
    assert P.doc_tag("forum", None) == P.doc_tag("agi", P.Titles.of({"agi": TWO["agi"]})) == ""


def test_speaker_choices_in_file_order_and_for_some_people():
    speakers = [Speaker("林俊旸", "Lin Junyang", "", "", (), (), ()), Speaker("编者", "编者", "", "", (), (), ()),
                Speaker("Dana", "Dana", "", "", (), (), ())]
    assert P.speaker_choices(speakers) == [("林俊旸 · Lin Junyang", "林俊旸"), ("编者", "编者"), ("Dana", "Dana")]
    assert P.speaker_choices(speakers, {"Dana", "林俊旸", "nobody"}) == [("林俊旸 · Lin Junyang", "林俊旸"),
                                                                         ("Dana", "Dana")]


def test_source_card_names_its_document_in_a_corpus_of_several():
    assert P.source_card(CITATION, 2, SOURCE, PARAS, PEOPLE, P.Titles.of({"agi": TWO["agi"]})) == CARD
    card = P.source_card(CITATION, 2, SOURCE, PARAS, PEOPLE, P.Titles.of(TWO))
    kind = '<span class="kind">round table · 圆桌</span>'
    assert card == CARD.replace(kind, kind + '<span class="doc" title="agi">峰会</span>')


def test_answer_message_names_the_documents_of_its_citations():
    answer = _answer(citations=(CITATION, FORUM_CITATION, replace(CITATION, n=3)), text="甲 [1] 乙 [2] 丙 [3]")
    assert P.answer_message(answer, 4, PEOPLE, P.Titles.of({"agi": TWO["agi"]})) == P.answer_message(answer, 4, PEOPLE)
    message = P.answer_message(answer, 4, PEOPLE, P.Titles.of(TWO))
    assert message.startswith('<div class="answer">甲 <a class="cite" href="#src-4-1" title="峰会">[1]</a> '
                              '乙 <a class="cite" href="#src-4-2" title="开源 &lt;论坛&gt;">[2]</a> ')
    assert message.endswith(
        '<br><span class="meta-label">Documents · 文档</span> '
        '<a class="cite" href="#src-4-1">[1]</a><a class="cite" href="#src-4-3">[3]</a> '
        '<span class="doc" title="agi">峰会</span> <a class="cite" href="#src-4-2">[2]</a> '
        '<span class="doc" title="forum">开源 &lt;论坛&gt;</span></div>')


def test_sources_panel_names_documents_on_cards_and_retrieved_rows():
    answer = _answer(citations=(CITATION,), hits=(Hit(CHUNK, 0.5, 1), Hit(FORUM_CHUNK, 0.4, 2)))
    panel = P.sources_panel([(1, answer)], {"agi": SOURCE, "forum": SOURCE}, lambda d: PARAS, PEOPLE,
                            P.Titles.of(TWO))
    assert panel.count('<span class="doc" title="agi">峰会</span>') == 2   # the card and its row
    assert ('<span class="kind">round table · 圆桌</span><span class="doc" title="forum">开源 &lt;论坛&gt;</span> '
            '<a class="to-transcript" href="#t-forum-40" data-doc="forum">同意。</a>') in panel


def test_transcript_leaves_out_an_imported_files_timestamp_anchors():
    source = "<!-- 00:00:01.200 -->\n\nDana: Hello.\n\n<!-- 00:00:09.400 -->\n\nOmar: Done."
    paras = paragraphs(source)
    passages = [Passage("standup", "Dana", "", "roundtable", "Hello.", 29, 35, 3, 1),
                Passage("standup", "Omar", "", "roundtable", "Done.", 66, 71, 7, 3)]
    html = P.transcript_html(passages, {"standup": source}, lambda d: paras, PEOPLE)
    assert re.findall(r'class="t-[a-z]+" id="([^"]+)"', html) == ["t-standup-23", "t-standup-60"]
    assert "&lt;!--" not in html and "00:00" not in html
