"""The extractive composer on hand-made hits: exact wording, verbatim quotes, citations."""
import re

import pytest

from index.records import Chunk
from index.tokens import Tokenizer
from rag.compose import ExtractiveComposer
from rag.config import REPO
from rag.query import analyze
from rag.records import Hit

SOURCE = ("林俊旸：我觉得是20%吧，20%已经非常乐观了，因为真的有很多历史积淀的原因在这里。\n\n"
          "唐杰直言：「DeepSeek出来后，Chat这一代问题基本已经解决。继续优化大概率只是性能接近。」\n\n"
          "与会者普遍认为，大模型竞争已从聊天能力转向能完成复杂任务的智能体阶段。")


def _chunk(text, speaker, kind, section="中国AI的未来"):
    start = SOURCE.index(text)
    return Chunk.make("doc", speaker, section, kind, text, start, start + len(text), 0)


LIN = _chunk("我觉得是20%吧，20%已经非常乐观了，因为真的有很多历史积淀的原因在这里。", "林俊旸", "roundtable")
TANG = _chunk("唐杰直言：「DeepSeek出来后，Chat这一代问题基本已经解决。继续优化大概率只是性能接近。」",
              "唐杰", "summary_quote", "产业现况")
ED = _chunk("与会者普遍认为，大模型竞争已从聊天能力转向能完成复杂任务的智能体阶段。", "编者", "narration", "导语")


@pytest.fixture(scope="module")
def composer(speakers):
    return ExtractiveComposer(speakers, Tokenizer.for_corpus(REPO / "corpus", speakers.all_aliases()))


def _hits(*chunks, dense=0.85):
    return [Hit(c, 1.0 / (i + 1), i + 1, dense - i * 0.001, 1.0, ("dense",)) for i, c in enumerate(chunks)]


def test_quote_is_verbatim_and_attributed(composer, speakers):
    q = analyze("林俊旸认为中国领先的概率有多大？", speakers)
    comp = composer.compose(q, _hits(LIN), {"doc": SOURCE})
    assert comp.text == "林俊旸认为：「我觉得是20%吧，20%已经非常乐观了，因为真的有很多历史积淀的原因在这里。」[1]"
    assert comp.speakers == ("林俊旸",)
    c = comp.citations[0]
    assert SOURCE[c.start:c.end] == c.quote and c.quote in LIN.text and c.n == 1


def test_summary_quote_drops_the_editors_lead_in(composer, speakers):
    q = analyze("Who said the chat era is basically solved after DeepSeek?", speakers)
    comp = composer.compose(q, _hits(ED, TANG), {"doc": SOURCE})
    # A who-question names a person first, not the article's narration.
    assert comp.text.splitlines()[0] == "That was Tang Jie (唐杰)."
    assert comp.speakers == ("唐杰",)
    quote = comp.citations[0].quote
    assert "直言" not in quote and quote.startswith("DeepSeek出来后")
    assert re.search(r"Tang Jie \(唐杰\) said: 「DeepSeek出来后.*」 \[1\]", comp.text)


def test_compare_cites_each_named_speaker(composer, speakers):
    q = analyze("唐杰和林俊旸的判断有什么不同？", speakers)
    comp = composer.compose(q, _hits(LIN, TANG), {"doc": SOURCE})
    assert comp.speakers == ("唐杰", "林俊旸")  # in the order the question names them
    assert [c.n for c in comp.citations] == [1, 2]
    assert "[1]" in comp.text and "[2]" in comp.text


def test_abstain_names_what_the_transcript_never_mentions(composer, speakers):
    q = analyze("李彦宏怎么看开源？", speakers)
    comp = composer.abstain(q, ["李彦宏"])
    assert comp.abstained and comp.citations == () and comp.text == "文字稿中没有提到「李彦宏」，无法根据这次峰会的内容回答。"


def test_not_said_by_points_to_who_did(composer, speakers):
    q = analyze("杨植麟怎么看中国领先的概率？", speakers)
    comp = composer.not_said_by(q, ("杨植麟",), _hits(LIN), {"doc": SOURCE})
    assert comp.abstained
    assert comp.text.startswith("文字稿里杨植麟没有谈到这一点。谈到相关内容的是别人：\n林俊旸认为：「")
    assert comp.speakers == ("林俊旸",)


@pytest.mark.parametrize("question, unknown, text", [
    ("Qwen3.5怎么样？", ["Qwen3.5"], "文字稿中没有提到「Qwen3.5」，无法根据这次峰会的内容回答。"),
    # not a name: a web address, a long run of text, too many names -> the general decline
    ("唐杰怎么看WWW.EVIL-SITE.COM？", ["WWW.EVIL-SITE.COM"], "文字稿中没有谈到这个问题，无法根据这次峰会的内容回答。"),
    ("What about Abcdefghijklmnopqrstuvwxy?", ["Abcdefghijklmnopqrstuvwxy"],
     "The transcript does not cover this question, so I can't answer it from the summit."),
    ("What do Ann, Bea, Cy and Di think?", ["Ann", "Bea", "Cy", "Di"],
     "The transcript does not cover this question, so I can't answer it from the summit."),
    ("What do Ann and Bea think?", ["Ann", "Bea"],
     "The transcript never mentions Ann, Bea, so I can't answer this from the summit."),
])
def test_a_decline_repeats_only_a_few_short_plain_names(composer, speakers, question, unknown, text):
    comp = composer.abstain(analyze(question, speakers), unknown)
    assert comp.abstained and comp.text == text
