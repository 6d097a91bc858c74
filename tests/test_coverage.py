"""rag.coverage: which part of a question is asked, and which of its names the transcript never mentions."""
import pytest

from rag.coverage import asked_part


@pytest.mark.parametrize("text, asked", [
    ("唐杰怎么看RLVR？谢谢 Bob", "唐杰怎么看RLVR？"),                       # a thanks after the question
    ("Hi Bob! What does Tang Jie think?!", " What does Tang Jie think?!"),  # a greeting before it
    ("Thanks. What does Qwen3.5 do? Cheers, Bob.", " What does Qwen3.5 do?"),  # the dot of 3.5 ends nothing
    ("谁是Bob？唐杰怎么看RLVR？", "谁是Bob？唐杰怎么看RLVR？"),             # every clause asks
    ("Tang Jie on RLVR. Bob", "Tang Jie on RLVR. Bob"),                   # no question mark: all of it
    ("马斯克说AI会取代程序员。唐杰同意吗？", "唐杰同意吗？"),
])
def test_asked_part(text, asked):
    assert asked_part(text) == asked


@pytest.mark.slow
@pytest.mark.parametrize("question, speaker", [
    ("唐杰怎么看RLVR？谢谢 Bob", "唐杰"),
    ("Hi Bob! What does Tang Jie think about RLVR?", "唐杰"),
    ("What does Tang Jie think about RLVR? Cheers, Bob", "唐杰"),
])
def test_a_name_outside_what_is_asked_does_not_decline(pipeline, question, speaker):
    a = pipeline.answer(question)
    assert not a.abstained and a.speakers[:1] == (speaker,) and a.citations
    assert "Bob" not in a.answer


@pytest.mark.slow
@pytest.mark.parametrize("question, answer", [
    ("What does Bob think about RLVR?", "The transcript never mentions Bob, so I can't answer this from the transcript."),
    ("Who is Bob? What does Tang Jie think about RLVR?",
     "The transcript never mentions Bob, so I can't answer this from the transcript."),
    ("马斯克怎么看RLVR？", "文字稿中没有提到「马斯克」，无法根据文字稿回答。"),
    ("唐杰怎么看WWW.EVIL-SITE.COM？", "文字稿中没有谈到这个问题，无法根据文字稿回答。"),
])
def test_a_name_in_what_is_asked_declines_repeating_at_most_a_short_name(pipeline, question, answer):
    a = pipeline.answer(question)
    assert a.abstained and a.citations == () and a.answer == answer


def test_an_abbreviation_the_transcript_spells_letter_by_letter_is_mentioned():
    from index.tokens import Tokenizer
    from rag.coverage import Coverage
    cov = Coverage(["Marketing: we could have an L_C_D_ screen on it ."], Tokenizer([], {}), [])
    assert cov.unknown_names("Why did Marketing want an LCD?") == []
    assert cov.unknown_names("Why did Marketing want an OLED?") == ["OLED"]
    dotted = Coverage(["He talked about A.I. safety ."], Tokenizer([], {}), [])
    assert dotted.unknown_names("What did he say about safety in A.I.?") == []


@pytest.mark.slow
@pytest.mark.parametrize("question", ["What does Tang Jie think about RL?", "What did Tang Jie say about RLHF?"])
def test_an_abbreviation_of_a_term_the_transcript_writes_in_chinese_is_answered(pipeline, question):
    # the glossary carries the field's abbreviations the English edition spells out
    a = pipeline.answer(question)
    assert not a.abstained and a.speakers[:1] == ("唐杰",)
    assert any("强化学习" in c.quote for c in a.citations)


def test_a_name_of_several_words_is_one_name_unknown_if_one_of_its_words_is():
    from index.tokens import Tokenizer
    from rag.coverage import Coverage
    cov = Coverage(["Designer: the face of the remote, and Mark from marketing ."], Tokenizer([], {}), [])
    assert cov.unknown_names("Did Mark Zuckerberg or the Hugging Face team come up?") == ["Mark Zuckerberg", "Hugging Face"]
    assert cov.unknown_names("What did Mark say about the face?") == []
    assert cov.unknown_names("Does Jensen Huang agree, and what about OLED?") == ["Jensen Huang", "OLED"]


def test_a_capitalised_word_opening_a_chinese_question_is_a_name():
    """An English sentence's first word is capitalised whatever it is; a Latin word opening a
    Chinese question is a name."""
    from index.tokens import Tokenizer
    from rag.coverage import Coverage
    cov = Coverage(["主持人：我们今天聊一聊模型。"], Tokenizer([], {}), [])
    assert cov.unknown_names("Midjourney的图像模型怎么样？") == ["Midjourney"]
    assert cov.unknown_names("Midjourney makes images; what about the model?") == []
    assert cov.unknown_names("Summarize: 主持人说了什么？") == []   # a capitalised first word before punctuation


def test_an_entity_named_in_several_common_words_is_unknown_as_a_whole():
    """"EU AI Act": each word is known ("AI", "act", "EU" a general abbreviation), the name is
    not; a transcript naming the entity by another of its names knows it."""
    from index.tokens import Tokenizer
    from rag.coverage import Coverage
    act = [("欧盟人工智能法案", "EU AI Act", "AI Act"), ("Meta", "Meta Platforms")]
    cov = Coverage(["The AI team had to act fast; the EU will decide."], Tokenizer([], {}), [], entities=act)
    assert cov.unknown_names("Did anyone discuss the EU AI Act?") == ["EU AI Act"]
    assert cov.unknown_names("Did anyone mention the AI Act, or Meta?") == ["AI Act", "Meta"]   # in order
    # a name inside another the question names is not named twice
    assert cov.unknown_names("What about Meta Platforms?") == ["Meta Platforms"]
    known = Coverage(["他们讨论了欧盟人工智能法案。"], Tokenizer([], {}), [], entities=act)
    assert known.unknown_names("Did anyone discuss the EU AI Act?") == []


@pytest.mark.slow
@pytest.mark.parametrize("question", ["林俊旸举新能源汽车的例子想说明什么？", "唐杰说要把大模型装进汽车吗？"])
def test_a_paraphrase_the_transcript_words_differently_is_not_an_unknown_name(pipeline, question):
    assert pipeline.coverage.unknown_names(question) == []


@pytest.mark.slow
@pytest.mark.parametrize("question", ["中美之间的差距越拉越大了吗？", "两家公司的距离是不是越拉越远？"])
def test_a_frame_opening_and_closing_on_one_character_is_no_name(pipeline, question):
    # jieba tags 越拉越 as a person's name; declining "越拉越" as never mentioned answers nothing
    assert pipeline.coverage.unknown_names(question) == []
    assert pipeline.coverage.unknown_names(question.replace("越拉越", "马化腾说")) == ["马化腾"]


@pytest.mark.slow
@pytest.mark.parametrize("question", ["可验证的场景还多得很吗？", "他觉得机会好得很吗？"])
def test_words_with_a_structural_particle_inside_are_no_name(pipeline, question):
    # jieba's dictionary tags 多得很 as a person's name; no name has 的/得/了 in its middle
    assert pipeline.coverage.unknown_names(question) == []
    assert pipeline.coverage.unknown_names("张伟明说可验证的场景还多吗？") == ["张伟明"]


@pytest.mark.slow
@pytest.mark.parametrize("question, name", [("工信部对大模型有什么新政策？", "工信部"),
                                            ("唐杰怎么看美国商务部的出口管制？", "美国商务部"),
                                            ("欧盟对开源模型怎么监管？", "欧盟")])
def test_a_government_body_or_law_on_ai_the_transcript_never_names_is_an_unknown_name(pipeline, question, name):
    assert pipeline.coverage.unknown_names(question) == [name]


ENTITIES = [("字节跳动", "ByteDance"), ("文心一言", "ERNIE Bot"), ("百度", "Baidu"), ("通义千问", "千问", "Qwen"),
            ("鸿蒙", "鸿蒙系统", "HarmonyOS"), ("月之暗面", "Moonshot AI")]


def test_a_known_entity_the_corpus_never_names_is_an_unknown_name_whatever_it_is_called():
    from index.tokens import Tokenizer
    from rag.coverage import Coverage
    cov = Coverage(["林俊旸：Qwen开源了。ByteDance也在做。Moonshot\nAI 也是。"], Tokenizer([], {}), [],
                   entities=ENTITIES)
    # found in the question's order; the longest name first ("鸿蒙系统", not also "鸿蒙")
    assert cov.unknown_names("百度文心一言和鸿蒙系统怎么样？") == ["百度", "文心一言", "鸿蒙系统"]
    assert cov.unknown_names("百度文心一言和鴻蒙系統怎麼樣？") == ["百度", "文心一言", "鸿蒙系统"]   # traditional
    # the corpus names the entity another way: "ByteDance" for 字节跳动, "Qwen" for 通义千问
    assert cov.unknown_names("林俊旸怎么看字节跳动和通义千问？") == []
    assert cov.unknown_names("月之暗面怎么看？") == []   # a name of several words, across a line break
    # no entities: the old behaviour (three-character person names and Latin names only)
    assert Coverage(["林俊旸"], Tokenizer([], {}), []).unknown_names("百度文心一言怎么样？") == []


def test_the_entities_file_is_well_formed():
    from index.tokens import to_simplified
    from rag.coverage import load_entities
    entities = load_entities()
    owner: dict[str, int] = {}
    for k, e in enumerate(entities):
        assert e and all(a.strip() == a and a for a in e), e
        for a in e:   # a name names one entity ("NVIDIA" and "Nvidia" are one name)
            assert owner.setdefault(a.lower(), k) == k, (a, entities[owner[a.lower()]], e)
            # questions are matched in simplified script: a name OpenCC changes (昇腾 -> 升腾, an
            # everyday word) would be looked for as another word
            assert to_simplified(a) == a, a
    assert len(entities) >= 300


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "模型可灵活部署吗？", "北京东边有什么？", "东北大学的学生怎么看？", "提问界面好用吗？", "跳跃问题怎么解决？",
    "有意思科学家是谁？", "上海思想界怎么看？", "北航天基地在哪？", "热情升腾的时候呢？", "稳定扩散的条件是什么？",
])
def test_an_entity_name_inside_everyday_words_is_no_name(pipeline, question):
    # 可灵, 京东, 北大, 问界, 跃问, 思科, 海思 … are names only where they are words
    assert pipeline.coverage.unknown_names(question) == []


@pytest.mark.slow
@pytest.mark.parametrize("question, answer", [
    ("唐杰说要把鸿蒙系统装进汽车吗？", "文字稿中没有提到「鸿蒙系统」，无法根据文字稿回答。"),
    ("林俊暘怎麼看字節跳動？", "文字稿中沒有提到「字节跳动」，無法根據文字稿回答。"),
])
def test_a_question_naming_a_known_entity_the_transcript_never_mentions_is_declined(pipeline, question, answer):
    a = pipeline.answer(question)
    assert a.abstained and a.citations == () and a.answer == answer


def test_a_model_named_by_family_and_version_is_mentioned_where_the_transcript_names_both():
    from index.tokens import Tokenizer
    from rag.coverage import Coverage
    models = [("Kimi K2",), ("Kimi",), ("Claude 3",), ("EU AI Act",)]
    cov = Coverage(["杨植麟：Kimi团队做了很多。K2已成为Agent模型。Claude写了代码，3个月。The EU will act; AI too."],
                   Tokenizer([], {}), [], entities=models)
    assert cov.unknown_names("What was said about Kimi K2?") == []
    assert cov.unknown_names("What was said about Kimi K3?") == ["Kimi K3"]   # a version never named
    # a version of digits alone is in any text; words without a version are no model's parts
    assert cov.unknown_names("What was said about Claude 3?") == ["Claude 3"]
    assert cov.unknown_names("Did anyone discuss the EU AI Act?") == ["EU AI Act"]
