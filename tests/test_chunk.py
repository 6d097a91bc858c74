import pytest

from index.chunk import ChunkSettings, chunk_passages, sentences
from index.records import Passage


def test_sentences_break_at_chinese_and_english_punctuation():
    text = "第一句。第二句！Is it? Yes. 第三句；最后"
    spans = sentences(text)
    assert [text[s:e] for s, e in spans] == ["第一句。", "第二句！", "Is it?", "Yes.", "第三句；", "最后"]


def test_closing_quote_stays_with_its_sentence():
    text = "他说：「好。」然后走了。"
    assert [text[s:e] for s, e in sentences(text)] == ["他说：「好。」", "然后走了。"]


def test_every_chunk_is_an_exact_slice_and_speaker_pure(passages, corpus_text):
    chunks = chunk_passages(passages, corpus_text, ChunkSettings(300, 60))
    assert chunks
    by_start = sorted(passages, key=lambda p: p.start)
    for c in chunks:
        assert corpus_text[c.start:c.end] == c.text
        inside = [p for p in by_start if p.start < c.end and c.start < p.end]
        assert {p.speaker for p in inside} == {c.speaker}, c.text[:30]
        assert all(p.kind == c.kind for p in inside)


def test_chunks_respect_size_unless_one_sentence_is_longer(passages, corpus_text):
    settings = ChunkSettings(120, 30)
    for c in chunk_passages(passages, corpus_text, settings):
        if len(c.text) > settings.size:
            assert len(sentences(c.text)) == 1


def test_overlap_repeats_the_tail_of_the_previous_chunk():
    text = "一二三四五。六七八九十。甲乙丙丁戊。己庚辛壬癸。"
    p = Passage("d", "唐杰", "s", "talk", text, 0, len(text), 1, 0)
    chunks = chunk_passages([p], text, ChunkSettings(24, 6))
    assert [c.text for c in chunks] == ["一二三四五。六七八九十。甲乙丙丁戊。己庚辛壬癸。"]
    chunks = chunk_passages([p], text, ChunkSettings(20, 6))
    assert [c.text for c in chunks] == ["一二三四五。六七八九十。甲乙丙丁戊。", "甲乙丙丁戊。己庚辛壬癸。"]
    chunks = chunk_passages([p], text, ChunkSettings(20, 0))
    assert [c.text for c in chunks] == ["一二三四五。六七八九十。甲乙丙丁戊。", "己庚辛壬癸。"]


def test_headings_are_not_chunked_and_ids_are_stable(passages, corpus_text):
    a = chunk_passages(passages, corpus_text)
    b = chunk_passages(passages, corpus_text)
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    assert len({c.chunk_id for c in a}) == len(a)
    assert all(c.kind != "heading" for c in a)


@pytest.mark.parametrize("size, overlap, message", [
    (10, 0, "chunk size must be at least 20 characters, got 10"),
    (100, 100, r"chunk overlap must be in \[0, size=100\), got 100"),
    (100, -1, r"chunk overlap must be in \[0, size=100\), got -1"),
])
def test_bad_settings_name_the_value(size, overlap, message):
    with pytest.raises(ValueError, match=message):
        ChunkSettings(size, overlap)
