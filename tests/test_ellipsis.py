"""What the X of "那X呢？" replaces in the earlier question: candidate parts by the words of the
question, the choice by a fake embedder whose cosines can be read off by hand."""
import numpy as np
import pytest

from rag.ellipsis import Swap

# each text's vector: one axis per topic it mentions (normalised); a text with none points elsewhere
TOPICS = (("To B",), ("To C",), ("公司",), ("万人",), ("创业",), ("Coding",), ("Agent",))


def embed(texts):
    out = np.zeros((len(texts), len(TOPICS) + 1), dtype=np.float32)
    for row, text in enumerate(texts):
        for k, topic in enumerate(TOPICS):
            out[row, k] = any(word in text for word in topic)
        if not out[row].any():
            out[row, -1] = 1
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def cut(text):   # jieba's tokenize, for the words these tests use
    words = ["姚顺雨", "说", "对", "来说", "智能", "越高", "意味着", "什么", "如果", "是", "一家", "万人", "的", "公司",
             "在", "资料", "上", "可以", "做", "些", "，", "？", "唐杰", "怎么", "看", "中国", "发展"]
    out, at = [], 0
    while at < len(text):
        w = next((w for w in sorted(words, key=len, reverse=True) if text.startswith(w, at)), text[at])
        out.append((w, at, at + len(w)))
        at += len(w)
    return out


def names(text):
    return [(m, m + 3) for m in range(len(text)) if text.startswith(("姚顺雨", "唐杰"), m)]


@pytest.fixture
def swap():
    return Swap(embed, cut, names)


def test_x_takes_the_place_of_the_part_closest_to_it(swap):
    assert swap("姚顺雨说，对To B来说，智能越高意味着什么？", "To C") == "姚顺雨说，对To C来说，智能越高意味着什么？"
    assert swap("唐杰怎么看Coding在中国的发展？", "Agent") == "唐杰怎么看Agent在中国的发展？"


def test_a_part_x_holds_is_narrowed_not_replaced(swap):
    # "公司" is the part closest to "创业公司" (cosine 0.71), but it is what X narrows; the company of
    # 100,000 people (0.5, the first of the parts that close) is what X stands for
    assert swap("姚顺雨说如果是一家10万人的公司，在资料上可以做些什么？", "创业公司") == "姚顺雨说如果是创业公司，在资料上可以做些什么？"


def test_parts_keep_within_a_clause_and_name_nobody(swap):
    text = "姚顺雨说，对To B来说，智能越高"
    parts = [text[s:e] for s, e in swap.parts(text)]
    assert parts == ["To B", "To B来说", "来说", "智能", "智能越高", "越高"]
    assert swap("姚顺雨说", "To C") is None   # nothing but a name and a stop word: nothing to replace


def test_english_words_are_the_parts_of_an_english_question(swap):
    text = "What did he say about Coding in China?"
    assert [text[s:e] for s, e in swap.parts(text)] == ["Coding", "Coding in China", "China"]
    assert swap(text, "Agents") == "What did he say about Agents in China?"


def test_x_takes_over_the_words_beside_the_part_that_it_begins_or_ends_with():
    # one axis for the letter of a side (B, C), one for "users", one for anything else: "C"
    # and "B users" are the parts closest to X, and the "To" before them is X's own first word
    def sides(texts):
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for row, text in enumerate(texts):
            found = text.split()
            out[row] = [bool({"B", "C"} & set(found)), "users" in found, 0]
            if not out[row].any():
                out[row, 2] = 1
        return out / np.linalg.norm(out, axis=1, keepdims=True)
    swap = Swap(sides, cut, lambda text: [])
    assert swap("What did he say about To C products?", "To B") == "What did he say about To B products?"
    assert swap("What do To B users want?", "To C users") == "What do To C users want?"


def test_a_swap_is_embedded_once_however_often_the_conversation_rereads_it():
    calls = []
    counted = Swap(lambda texts: calls.append(len(texts)) or embed(texts), cut, names)
    first = counted("姚顺雨说，对To B来说，智能越高意味着什么？", "To C用户")
    again = counted("姚顺雨说，对To B来说，智能越高意味着什么？", " To C用户 ")
    assert first == again and "To C用户" in first and len(calls) == 1


def test_an_ordinal_takes_the_place_of_the_earlier_ordinal(swap):
    """"第二和第三呢？" after "…第一个要看的是什么？" asks for the second and third: the embedder
    (which sees no ordinal here) does not choose; an ordinal with a word of its own does not count."""
    assert swap("唐杰认为Agent要落地，第一个要看的是什么？", "第二和第三") == "唐杰认为Agent要落地，第二和第三要看的是什么？"
    assert swap("What is the first condition Tang Jie named?", "the second one") == \
        "What is the second condition Tang Jie named?"
    assert swap("唐杰说的第一点是什么？", "第三点") == "唐杰说的第三点是什么？"
    # "第二种Coding" has a word of its own: a part like any other, chosen by meaning
    assert swap("唐杰怎么看Coding在中国的发展？", "第二种Agent") == "唐杰怎么看第二种Agent在中国的发展？"


def test_no_part_standing_out_is_no_swap():
    """X ("To C") is as close to "Coding" as to "Agent", parts apart from each other: which one it
    stands for is a guess, so the earlier question is not rewritten (X is asked beside it)."""
    earlier = "唐杰怎么看Coding和Agent的发展？"
    assert Swap(embed, cut, names, margin=0.02)(earlier, "To C") is None
    assert Swap(embed, cut, names, margin=0.0)(earlier, "To C") is not None
    # one part clearly closest (the company, 0.5; the parts apart from it, 0): swapped as before
    assert Swap(embed, cut, names, margin=0.02)("姚顺雨说如果是一家10万人的公司，在资料上可以做些什么？", "创业公司") \
        == "姚顺雨说如果是创业公司，在资料上可以做些什么？"


def test_an_english_ordinal_after_a_chinese_question_is_written_in_chinese(swap):
    """"And the second one?" after "…第一个…是什么？" asks "…第二个…是什么？", not "…second…"."""
    assert swap("唐杰认为Agent要落地，第一个要看的是什么？", "the second one") == "唐杰认为Agent要落地，第二个要看的是什么？"
    assert swap("唐杰说的第一点是什么？", "the last") == "唐杰说的最后一点是什么？"
    assert swap("唐杰说的第一点是什么？", "second and third") == "唐杰说的第二点和第三点是什么？"


def test_an_ordinal_after_a_question_holding_none_replaces_nothing(swap):
    """"第二个是什么？" after "唐杰怎么看Coding在中国的发展？": nothing for it to stand for."""
    assert swap("唐杰怎么看Coding在中国的发展？", "第二个") is None
    assert swap("What did he say last year about Coding?", "the second one") is None   # "last year" is no ordinal


def test_english_ordinals_with_punctuation_are_all_kept(swap):
    assert swap("唐杰说的第一点是什么？", "second, third and fourth") == "唐杰说的第二点、第三点和第四点是什么？"
