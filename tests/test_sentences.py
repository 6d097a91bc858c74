"""Sentence units: verbatim slices with exact offsets, a summary quote's lead-in left out,
sentences shared by overlapping chunks kept once, each in its own paragraph."""
from index.records import Chunk
from index.sentences import sentence_units, spoken_body

SOURCE = "唐杰直言：「第一句话。第二句话？」他补充道。\n\n林俊旸：开头一句。\n\n第二段。"


def _chunk(text, speaker, kind, para=0):
    s = SOURCE.index(text)
    return Chunk.make("doc", speaker, "s", kind, text, s, s + len(text), para)


QUOTE = _chunk("唐杰直言：「第一句话。第二句话？」他补充道。", "唐杰", "summary_quote")
TURNS = _chunk("开头一句。\n\n第二段。", "林俊旸", "roundtable", para=1)
OVERLAP = _chunk("第二段。", "林俊旸", "roundtable", para=2)


def test_a_summary_quote_is_the_words_inside_the_quotation_marks():
    assert QUOTE.text[slice(*spoken_body(QUOTE))] == "第一句话。第二句话？"
    assert [u.text for u in sentence_units([QUOTE])] == ["第一句话。", "第二句话？"]


def test_units_are_verbatim_once_each_with_their_paragraph():
    units = sentence_units([QUOTE, TURNS, OVERLAP])
    assert [(u.text, u.para, u.chunk_id) for u in units[2:]] == [
        ("开头一句。", 1, TURNS.chunk_id), ("第二段。", 2, TURNS.chunk_id)]
    assert all(SOURCE[u.start:u.end] == u.text for u in units)
    assert [u.leads_in for u in units] == [False] * 4
