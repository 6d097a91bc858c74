from pathlib import Path

import pytest

from index.parse import ParseError, parse_text, parse_transcript
from index.records import EDITOR

GOLDEN = Path(__file__).parent / "golden" / "agi-next-2026.passages.tsv"


def _golden():
    rows = []
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        ln, speaker, kind, head = line.split("\t")
        rows.append((int(ln), speaker, kind, head))
    return rows


def test_every_passage_matches_the_hand_checked_golden_file(passages):
    got = [(p.line, p.speaker, p.kind, p.text[:16].replace("\n", " ")) for p in passages]
    assert got == _golden()


def test_offsets_are_exact(passages, corpus_text):
    for p in passages:
        assert corpus_text[p.start:p.end] == p.text
        assert corpus_text.count("\n", 0, p.start) + 1 == p.line


def test_passages_cover_everything_but_turn_labels(passages, corpus_text):
    spans = [(p.start, p.end) for p in passages]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "passages overlap"
    gaps = [corpus_text[a[1]:b[0]].strip() for a, b in zip(spans, spans[1:])]
    uncovered = [g for g in gaps if g]
    assert uncovered == ["姚顺雨：", "姚顺雨：", "李广密：", "姚顺雨：", "林俊旸：", "李广密：",
                         "林俊旸：", "李广密：", "林俊旸：", "唐杰："]


def _one(passages, needle):
    found = [p for p in passages if needle in p.text]
    assert found, needle
    return found[0]


@pytest.mark.parametrize("needle, speaker, kind", [
    ("唐杰：清华大学教授", EDITOR, "introduction"),                 # an introduction, not a turn
    ("笨笨的坚持\n", None, None),
    ("这迫使团队思考下一步", EDITOR, "narration"),                   # narration between quotes
    ("新的范式不再只是对话", "唐杰", "summary_quote"),               # quote continues 唐杰
    ("他透露Kimi采用的MUON", "杨植麟", "summary_report"),            # reported speech
    ("「结构性冷静」", EDITOR, "narration"),                          # a term in quotes is not speech
    ("机率没那么大，但真的有可能。20%吧", "林俊旸", "summary_quote"),  # quote before 他补充道
    ("我觉得还是看初心", "林俊旸", "summary_quote"),                 # later quote, no new name
    ("我觉得环境肯定不会是最好的，永远", "唐杰", "summary_quote"),   # 」唐杰总结道
    ("K2已成为中国首个Agent模型", "杨植麟", "talk_summary"),          # ## 杨植麟 is a summary
    ("我挺想问大家一个问题", "李广密", "moderator_question"),         # moderator's opening question
    ("顺雨经历过硅谷跟中国两个体感的", "李广密", "moderator_question"),
    ("中国也许的机会", "唐杰", "roundtable"),                        # unlabelled: continues 唐杰
    ("您是说百分之多少", "林俊旸", "roundtable"),
    ("刚才唐老师说我们当年还在合作", "林俊旸", "talk"),              # a name inside a talk is not a turn
])
def test_traps_from_the_design(passages, needle, speaker, kind):
    if speaker is None:
        p = [p for p in passages if p.text == "笨笨的坚持"][0]
        assert (p.speaker, p.kind) == (EDITOR, "heading")
        return
    p = _one(passages, needle)
    assert (p.speaker, p.kind) == (speaker, kind)


def test_subsection_quote_spanning_two_paragraphs_is_one_passage(passages):
    p = _one(passages, "中国想要突破新范式或做非常冒险事情")
    assert p.speaker == "姚顺雨" and "我们某种程度上已经比美国做的更好。 」" in p.text


def test_turn_labels_are_not_part_of_the_passage(passages):
    p = _one(passages, "我觉得概率还挺高的")
    assert p.text.startswith("我觉得概率还挺高的") and p.speaker == "姚顺雨"


def test_another_transcript_format(speakers):
    text = ("## 峰会纪要\n\n唐杰认为：「开源很重要，这是共识。」\n\n"
            "## 唐杰\n\n我们坚持做大模型。\n\n## 对话\n\n主持问题在这里？\n\n"
            "林俊旸： 我同意。\n\n补充一点。\n")
    ps = parse_text(text, speakers, "doc2", moderators=("李广密",))
    got = [(p.speaker, p.kind, p.text) for p in ps if p.kind != "heading"]
    assert got == [("唐杰", "summary_quote", "唐杰认为：「开源很重要，这是共识。」"),
                   ("唐杰", "talk", "我们坚持做大模型。"),
                   ("李广密", "moderator_question", "主持问题在这里？"),
                   ("林俊旸", "roundtable", "我同意。"),
                   ("林俊旸", "roundtable", "补充一点。")]
    assert all(p.doc_id == "doc2" for p in ps)


def test_a_moderator_who_takes_no_turn_in_a_document_asks_nothing_there(speakers):
    """The speakers file's moderator (李广密) is this document's moderator only if he speaks in it."""
    text = "## 对话\n\n主持问题在这里？\n\n林俊旸： 我同意，这一点很重要。\n"
    opening = [p for p in parse_text(text, speakers, "doc2") if p.kind != "heading"][0]
    assert (opening.speaker, opening.kind) == (EDITOR, "narration")
    with_him = text + "\n李广密：下一个问题是什么？\n"
    opening = [p for p in parse_text(with_him, speakers, "doc2") if p.kind != "heading"][0]
    assert (opening.speaker, opening.kind) == ("李广密", "moderator_question")


def test_anchor_comments_are_nobodys_words(speakers):
    text = "## 对话\n\n<!-- 00:00:01.000 -->\n\n林俊旸：我同意，这一点很重要。\n\n<!-- 00:00:09.500 -->\n\n姚顺雨：我也同意。\n"
    got = [(p.speaker, p.text) for p in parse_text(text, speakers, "doc2") if p.kind != "heading"]
    assert got == [("林俊旸", "我同意，这一点很重要。"), ("姚顺雨", "我也同意。")]


def test_errors_name_the_file_and_line(tmp_path, speakers):
    bad = tmp_path / "bad.md"
    bad.write_bytes("## 对话\n\n姚顺雨：好的。\n\n".encode() + b"\xff\xfe oops\n")
    with pytest.raises(ParseError, match=r"bad\.md:5: not valid UTF-8"):
        parse_transcript(bad, speakers)
    empty = tmp_path / "empty.md"
    empty.write_text("\n\n  \n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"empty\.md:1: the transcript is empty"):
        parse_transcript(empty, speakers)
    nobody = tmp_path / "nobody.md"
    nobody.write_text("## 标题\n\n这是一段没有任何发言人的文字。\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"nobody\.md:1: no recognisable speaker"):
        parse_transcript(nobody, speakers)
    stranger = tmp_path / "stranger.md"
    stranger.write_text("## 对话\n\n姚顺雨：开场。\n\n王小明：我来说说我的看法吧，各位。\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"stranger\.md:5: `王小明：` .*speakers\.json"):
        parse_transcript(stranger, speakers)


def test_organisations_do_not_attribute_and_subheadings_are_nobodys_words(speakers):
    text = ("## 智谱：发布会\n\n这是一段介绍。\n\n## 纪要\n\n唐杰直言：「开源很重要，这是共识。」\n\n"
            "「我们还要继续坚持下去，这很重要。」阿里补充道。\n\n"
            "## 对话\n\n姚顺雨：第一点是这样的。\n\n### 第二部分\n\n继续说第二点。\n")
    ps = parse_text(text, speakers, "doc3")
    got = [(p.speaker, p.kind, p.text) for p in ps]
    # 智谱 names 唐杰's company, not 唐杰: the section is not his talk.
    assert ("唐杰", "talk", "这是一段介绍。") not in got
    # A quote with an organisation's tail stays with the last person named.
    assert ("唐杰", "summary_quote", "「我们还要继续坚持下去，这很重要。」阿里补充道。") in got
    assert (EDITOR, "heading", "### 第二部分") in got
    assert ("姚顺雨", "roundtable", "继续说第二点。") in got
