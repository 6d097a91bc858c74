from pathlib import Path

from index.tokens import _PUNCT, Tokenizer, to_simplified
from rag.config import REPO


def _tk():
    return Tokenizer.for_corpus(REPO / "corpus", ["林俊旸", "姚顺雨"])


def test_traditional_is_converted():
    assert to_simplified("機率 軟體 說了什麼") == "机率 软体 说了什么"


def test_summit_terms_stay_whole_and_stopwords_go():
    toks = _tk().tokens("林俊旸认为光刻机和Token efficiency是关键")
    assert "光刻机" in toks and "林俊旸" in toks and {"token", "effici"} <= set(toks)
    assert "认为" not in toks and "和" not in toks


def test_english_words_reach_the_transcripts_terms():
    toks = _tk().query_tokens("What did he say about reinforcement learning and open source compute?")
    assert {"强化学习", "开源", "算力"} <= set(toks)
    assert "what" not in toks


def test_a_chinese_term_reaches_the_english_the_transcript_writes_for_it():
    # the summit says "Coding" where a question says 编程; 编程 and Coding render one glossary term
    tk = Tokenizer({}, {"coding": ["Coding", "编程"], "open source": ["开源"]})
    coding = tk.tokens("在美国基本全都是Coding")[-1]   # as passages are searched (stemmed)
    assert {"编程", coding} <= set(tk.query_tokens("林俊旸对編程说了什么？"))   # traditional too
    assert coding not in tk.query_tokens("他对开源说了什么？")   # only the term's own renderings
    assert coding not in Tokenizer({}, {}).query_tokens("他对编程说了什么？")


def test_a_chinese_rendering_is_cut_whole_and_reaches_the_english_term():
    """"长上下文" is a term: cut whole (jieba alone cuts "看长" out of "怎么看长上下文"), it
    stands for "Long Context", the words the transcript writes."""
    tk = Tokenizer({}, {"long context": ["Long Context", "长上下文"]})
    toks = tk.query_tokens("她怎么看长上下文？")
    assert "长上下文" in toks and "看长" not in toks
    assert {"long", "context"} <= set(toks)
    assert "long" not in Tokenizer({}, {}).query_tokens("她怎么看长上下文？")


def test_demonstratives_are_no_keywords():
    """"这么认为", "这样的模型", "这种溢价": the pointing word says nothing a passage could share;
    left in, any sentence saying 这样 ranks up for "他为什么这样说？"."""
    tk = Tokenizer([], {})
    for question in ("他为什么这么认为？", "她也这样觉得吗？", "那样做有什么好处？", "这种溢价怎么解释？", "如此说来呢？"):
        assert not {"这么", "这样", "那样", "这种", "如此"} & set(tk.query_tokens(question))
    assert "溢价" in tk.query_tokens("这种溢价怎么解释？")


def test_the_one_word_renderings_of_a_term_are_alike_and_a_term_of_several_words_is_not():
    tk = Tokenizer({}, {"coding": ["Coding", "编程"], "programming": ["编程"], "open source": ["开源"],
                        "reinforcement learning": ["强化学习"]})
    code = tk.tokens("Coding")[0]
    assert tk.alike()["编程"] == tk.alike()[code] == frozenset({code, "编程", tk.tokens("programming")[0]})
    assert "开源" not in tk.alike() and "强化学习" not in tk.alike()   # "open source" is two words


def test_traditional_question_tokens_match_simplified_passages():
    tk = _tk()
    assert set(tk.query_tokens("光刻機能不能突破")) >= {"光刻机", "突破"}


def test_english_words_are_stemmed_so_forms_of_a_word_meet():
    tk = _tk()
    passage = tk.tokens("The designers were arguing that rubber buttons feel cheaper.")
    question = tk.query_tokens("What did the designer argue about the button?")
    assert {"design", "argu", "button"} <= set(passage) & set(question)
    assert "the" not in passage and "were" not in passage


def test_only_english_words_are_stemmed():
    from index.tokens import stem
    assert [stem(t) for t in ("智能体", "gpt-4", "2026", "agents", "coding")] == \
        ["智能体", "gpt-4", "2026", "agent", "code"]


ENGLISH = (Path(__file__).parent / "fixtures" / "forum" / "standup.md").read_text(encoding="utf-8").splitlines() + [
    "The COVID-19 pandemic cost 3.5% of GDP... in Q2 -- see Bill C-7, e-2453 and s-204.",
    "We use C++ and C# at AT&T; the K2.5 model beat RLVR baselines on HLE_v2 (50%).",
    "Mr. Erskine-Smith: it's 10-day consent, café crème, naïve résumé... __init__ #tag & co.",
    "GPT-4o vs. o1-preview: 1,000,000 tokens/s @ 0.5 ms?!",
]


def test_text_without_chinese_is_cut_exactly_as_jieba_cuts_it():
    tk = _tk()
    jieba_words = tk.jieba_tokenizer().cut_for_search
    for line in ENGLISH:
        low = line.lower()
        fast = [w for w in (x.strip() for x in tk._words(low)) if w and not _PUNCT.match(w)]
        slow = [w for w in (x.strip() for x in jieba_words(low)) if w and not _PUNCT.match(w)]
        assert fast == slow, line


def test_ascii_dictionary_words_go_to_jieba():
    tk = _tk()
    tk.jieba_tokenizer()
    assert tk._ascii_words.search("we write c++ daily")          # jieba's own dictionary
    assert tk._ascii_words.search("rlvr works")                  # a corpus term (terms.txt)
    assert not tk._ascii_words.search("battery drain from background sync")
    assert not tk._ascii_words.search("scaling law")   # a term with a space (terms.txt): jieba never gives it
def test_english_function_words_and_contraction_pieces_are_not_keywords():
    toks = _tk().query_tokens("Why wouldn't he put China's odds any higher, and what did they do with it?")
    assert toks == ["put", "china", "odd", "higher"]


def test_without_the_glossary_english_words_stay_english():
    tk = Tokenizer.for_corpus(REPO / "corpus", glossary=False)
    assert tk.glossary == {} and tk.query_tokens("open source compute") == ["open", "sourc", "comput"]
    assert {"开源", "算力"} <= set(_tk().query_tokens("open source compute"))


def test_an_abbreviation_spelled_letter_by_letter_is_the_word():
    """Meeting transcripts write "L_C_D_" and "U.S."; questions write LCD and US."""
    tk = Tokenizer([], {})
    assert tk.tokens("an L_C_D_ screen for the U.S. market") == ["lcd", "screen", "us", "market"]
    assert set(tk.query_tokens("LCD screen")) <= set(tk.tokens("we want an L_C_D_ screen"))
    assert tk.tokens("Qwen3.5 costs 2.5 dollars") == ["qwen3.5", "cost", "2.5", "dollar"]   # no letters spelled
    assert "abctxt" not in tk.tokens("see file_a_b_c.txt")   # letters inside a word are not spelled out


def test_words_asking_for_specifics_are_no_keywords():
    """"具体说的是啥？": 啥 is 什么 spoken, 具体 asks for the specifics; left in, "一件具体的事情"
    ranks up for any turn asking for specifics."""
    tk = Tokenizer([], {})
    assert not {"啥", "具体"} & set(tk.query_tokens("第三点具体指的是啥？"))
    assert "第三" in tk.query_tokens("第三点具体指的是啥？")
