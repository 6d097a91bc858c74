"""The answer's wording (rag.compose.Draft, rag.wording) on hand-made quotes: exact text per
language, verbatim quotes, citations numbered as added, names echoed only when plain."""
import pytest

from index.records import Chunk
from rag.compose import Draft
from rag.evidence import Quote
from rag.wording import echoable, say

SOURCE = "林俊旸：我觉得是20%吧，已经非常乐观了。\n\n他透露这个软体的机率不大。"


def _quote(text, speaker, kind):
    s = SOURCE.index(text)
    chunk = Chunk.make("doc", speaker, "sec", kind, text, s, s + len(text), 0)
    return Quote(chunk, s, s + len(text), text, 0, 0)


LIN = _quote("我觉得是20%吧，已经非常乐观了。", "林俊旸", "roundtable")
REPORT = _quote("他透露这个软体的机率不大。", "杨植麟", "summary_report")


def test_lines_per_language_with_citations_in_order(speakers):
    d = Draft("zh", speakers)
    d.line(say("zh", "positions")).quote(LIN, bullet=True).quote(REPORT, bullet=True)
    comp = d.done()
    assert comp.text == ("在这个问题上，各人的说法：\n- 林俊旸：「我觉得是20%吧，已经非常乐观了。」[1]\n"
                         "- 据文章转述，杨植麟：「他透露这个软体的机率不大。」[2]")
    assert comp.speakers == ("林俊旸", "杨植麟") and [c.n for c in comp.citations] == [1, 2]
    assert all(SOURCE[c.start:c.end] == c.quote for c in comp.citations)


def test_traditional_converts_the_wording_never_the_quote(speakers):
    d = Draft("zh-hant", speakers).quote(REPORT)
    assert d.done().text == "據文章轉述，杨植麟：「他透露这个软体的机率不大。」[1]"


def test_a_quote_said_twice_is_one_line_with_both_citations(speakers):
    comp = Draft("en", speakers).quote(LIN, (REPORT,)).done()
    assert comp.text == "Lin Junyang (林俊旸) said: 「我觉得是20%吧，已经非常乐观了。」 [1][2]"
    assert [c.chunk.speaker for c in comp.citations] == ["林俊旸", "杨植麟"]


def test_an_english_reader_gets_the_rendering_marked_as_a_translation(speakers):
    comp = Draft("en", speakers, lambda q: "I think it's 20%, already very optimistic.").quote(LIN).done()
    assert comp.text == "Lin Junyang (林俊旸) said: “I think it's 20%, already very optimistic.” (translated) [1]"
    assert comp.citations[0].quote == LIN.text and comp.citations[0].quote_en.startswith("I think")


def test_a_rendering_that_ends_a_longer_quotation_is_not_closed_twice(speakers):
    comp = Draft("en", speakers, lambda q: "I think it's 20%, already very optimistic.”").quote(LIN).done()
    assert comp.text == "Lin Junyang (林俊旸) said: “I think it's 20%, already very optimistic.” (translated) [1]"


@pytest.mark.parametrize("names, ok", [
    (["Qwen3.5"], True), (["Ann", "Bea"], True), (["字节跳动"], True),
    (["WWW.EVIL-SITE.COM"], False),                    # not a name: a web address
    (["Abcdefghijklmnopqrstuvwxy"], False),            # longer than a name
    (["Ann", "Bea", "Cy", "Di"], False),               # too many to repeat
    ([], False)])
def test_a_decline_repeats_only_a_few_short_plain_names(names, ok):
    assert echoable(names) is ok
