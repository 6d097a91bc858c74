"""Small text helpers (rag/text.py)."""
from rag.text import bigrams, quoted_phrases


def test_quoted_phrases_are_what_the_text_puts_in_quotation_marks():
    assert quoted_phrases("“结构性冷静”这个说法出自谁？") == ["结构性冷静"]
    assert quoted_phrases("他说「花掉20亿」和『笨笨的坚持』") == ["花掉20亿", "笨笨的坚持"]
    assert quoted_phrases('the "gist" of it') == ["gist"]
    assert quoted_phrases("no quotes here, 也没有「") == []


def test_bigrams_are_every_pair_of_adjacent_characters():
    assert bigrams("开源模型") == {"开源", "源模", "模型"}
