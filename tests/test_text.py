"""Small text helpers (rag/text.py)."""
from rag.text import bigrams, quoted_phrases, unpaired_marks_trimmed


def test_quoted_phrases_are_what_the_text_puts_in_quotation_marks():
    assert quoted_phrases("“结构性冷静”这个说法出自谁？") == ["结构性冷静"]
    assert quoted_phrases("他说「花掉20亿」和『笨笨的坚持』") == ["花掉20亿", "笨笨的坚持"]
    assert quoted_phrases('the "gist" of it') == ["gist"]
    assert quoted_phrases("no quotes here, 也没有「") == []


def test_bigrams_are_every_pair_of_adjacent_characters():
    assert bigrams("开源模型") == {"开源", "源模", "模型"}


def test_a_sentence_cut_from_a_longer_quotation_loses_only_its_unpaired_mark():
    assert unpaired_marks_trimmed("the room left is shrinking fast.”") == "the room left is shrinking fast."
    assert unpaired_marks_trimmed("“The new paradigm is no longer dialogue.") == "The new paradigm is no longer dialogue."
    assert unpaired_marks_trimmed('it ends here."') == "it ends here."
    # paired marks, and a mark that opens a quotation inside, stay
    assert unpaired_marks_trimmed("“Chat” is over, he said.") == "“Chat” is over, he said."
    assert unpaired_marks_trimmed("He said: “the gap is widening") == "He said: “the gap is widening"
