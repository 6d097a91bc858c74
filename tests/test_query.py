import pytest

from index.records import EDITOR
from index.tokens import to_simplified
from rag.query import analyze, asks_who_said, clean, detect_lang, is_vague


@pytest.mark.parametrize("text, lang", [
    ("唐杰怎么看RLVR？", "zh"),
    ("唐傑怎麼看軟體生態？", "zh-hant"),
    ("What did Tang Jie say about RLVR?", "en"),
    ("Kimi Linear 的速度优势有多大？", "zh"),
])
def test_language_and_script(text, lang):
    assert detect_lang(text) == lang


@pytest.mark.parametrize("question, expected", [
    ("唐老师怎么看中美差距？", ("唐杰",)),
    ("What does Justin Lin think about compute?", ("林俊旸",)),
    ("Kimi的创始人讲了什么？", ("杨植麟",)),
    ("姚順雨怎麼看教育？", ("姚顺雨",)),
    ("唐杰2019年与阿里巴巴合作时做了什么？", ("唐杰",)),
    ("文章开头如何介绍姚顺雨？", (EDITOR,)),
    ("顺雨和俊旸的判断有何不同？", ("姚顺雨", "林俊旸")),
])
def test_named_speakers(speakers, question, expected):
    assert analyze(question, speakers).speakers == expected


def test_a_person_named_only_by_their_organisation_is_marked_so(speakers):
    assert analyze("智谱有多少员工？", speakers).by_organisation
    assert not analyze("唐杰怎么看智谱的员工规模？", speakers).by_organisation     # named by name too
    assert not analyze("他们有多少员工？", speakers, ["智谱做了什么？"]).by_organisation   # carried, not named


def test_a_title_names_its_person_beside_another_named_by_name(speakers):
    """"主持人" names the moderator as surely as "李广密": he is not dropped for the guest named."""
    for question in ("主持人问唐杰开源的问题时是怎么问的？", "How did the moderator put the open-source question to Tang Jie?"):
        q = analyze(question, speakers)
        assert set(q.speakers) == {"李广密", "唐杰"} and not q.by_organisation
    assert "主持人" not in analyze("主持人问唐杰开源的问题时是怎么问的？", speakers).topic


def test_he_after_the_moderator_and_a_guest_is_the_guest(speakers):
    """The moderator asks; "他怎么回答的？" after a turn naming both is about the guest, whatever
    the earlier answer quoted."""
    from rag.conversation import Turn
    earlier = Turn("主持人问唐杰开源的问题时是怎么问的？", speakers=("李广密",))
    for question in ("他怎么回答的？", "And what did he answer?"):
        assert analyze(question, speakers, [earlier]).speakers == ("唐杰",)


def test_he_who_asks_after_the_moderator_and_a_guest_is_the_moderator(speakers):
    """"他" as the subject of a verb of asking ("他追问…", "what did he ask") is the one who asks;
    "他对这个问题怎么看？" (a question about something) is still the guest."""
    from rag.conversation import Turn
    earlier = Turn("杨植麟讲完之后，主持人接着问了他什么？", speakers=("杨植麟",))
    for question in ("他追问的是哪一年的事？", "他問的是哪家公司？", "And what did he ask after that?"):
        assert analyze(question, speakers, [earlier]).speakers == ("李广密",), question
    for question in ("他对这个问题怎么看？", "他怎么回答的？", "What did he answer?"):
        assert analyze(question, speakers, [earlier]).speakers == ("杨植麟",), question


def test_the_person_a_verb_of_speech_follows_speaks_alone(speakers):
    """In "X说自己和Y…" Y is what X spoke of, not a second side; in "When X said …, what did Y
    answer?" the verb's clause ends before Y, who is asked about too."""
    assert analyze("唐杰说自己和杨植麟的团队分别在做什么？", speakers).speakers == ("唐杰",)
    assert analyze("What did Tang Jie say about Yang Zhilin's team?", speakers).speakers == ("唐杰",)
    assert set(analyze("When Tang Jie said the gap was growing, what did Yang Zhilin answer?", speakers).speakers) == {"唐杰", "杨植麟"}
    assert set(analyze("唐杰和杨植麟说了什么？", speakers).speakers) == {"唐杰", "杨植麟"}
    # an English sentence's period (before a space, a closing quote aside) ends the clause too
    for question in ("Tang Jie says the gap is growing. Does Yang Zhilin agree?",
                     'Tang Jie said "the gap is growing." Does Yang Zhilin agree?'):
        assert set(analyze(question, speakers).speakers) == {"唐杰", "杨植麟"}, question
    assert analyze("Tang Jie said the gap was 2.5 times wider for Yang Zhilin's team.", speakers).speakers == ("唐杰",)


def test_a_question_reporting_what_someone_said_is_not_about_who_they_are(speakers):
    assert analyze("杨植麟来自哪里？", speakers).speakers == (EDITOR,)
    assert analyze("杨植麟说新架构的想法来自哪里？", speakers).speakers == ("杨植麟",)


def test_who_questions_keep_the_named_person_in_the_topic(speakers):
    q = analyze("圆桌上是谁追问顺雨研究文化的问题？", speakers)
    assert q.asks_who and q.speakers == () and "顺雨" in q.topic
    assert analyze("Who said the odds are about 20%?", speakers).asks_who
    assert not analyze("What did Tang Jie say?", speakers).asks_who


def test_followup_pronoun_takes_the_earlier_speaker(speakers):
    q = analyze("他还说了什么？", speakers, ["林俊旸怎么看算力？"])
    assert q.followup and q.speakers == ("林俊旸",) and q.rewritten == "林俊旸还说了什么？"
    assert "算力" in q.topic
    q = analyze("And what did he suggest instead?", speakers, ["What does Tang Jie think about the gap?"])
    assert q.speakers == ("唐杰",) and q.rewritten == "And what did Tang Jie suggest instead?"


@pytest.mark.parametrize("question, earlier, thing", [
    ("他认为它最大的难点是什么？", "杨植麟怎么看长上下文？", "上下文"),
    ("What is the biggest hurdle he sees with it?", "How does Yang Zhilin see long context?", "context")])
def test_a_thing_pronoun_beside_words_of_its_own_may_point_back_to_the_earlier_topic(speakers, question, earlier, thing):
    q = analyze(question, speakers, [earlier])
    assert q.speakers == ("杨植麟",) and thing in q.earlier and thing not in q.topic


def test_followup_new_speaker_takes_the_earlier_topic(speakers):
    q = analyze("那唐杰呢？", speakers, ["林俊旸认为中国领先的概率有多大？"])
    assert q.followup and q.speakers == ("唐杰",)
    assert q.topic == "认为中国领先的概率有多大？" and q.rewritten == "唐杰认为中国领先的概率有多大？"
    q = analyze("What about Yao Shunyu?", speakers, ["What did Lin Junyang say about compute?"])
    assert q.speakers == ("姚顺雨",) and "compute" in q.topic


@pytest.mark.parametrize("earlier, question, he, rewritten", [
    ("唐杰怎么看开源？", "他怎么评价林俊旸的做法？", "唐杰", "唐杰怎么评价林俊旸的做法？"),
    ("What did Tang Jie say about chips?", "Did he mention Lin Junyang's team?", "唐杰",
     "Did Tang Jie mention Lin Junyang's team?"),
    # after a turn naming both, "he" before a name is the other one
    ("杨植麟和林俊旸怎么看开源？", "他提到林俊旸的时候怎么说的？", "杨植麟", "杨植麟提到林俊旸的时候怎么说的？"),
    # after the moderator and a guest, "he" is the guest - unless the guest is named after it
    ("李广密向林俊旸追问了什么？", "他提到林俊旸的哪段经历？", "李广密", "李广密提到林俊旸的哪段经历？"),
])
def test_a_pronoun_before_a_name_is_someone_else_the_earlier_turn_was_about(speakers, earlier, question, he,
                                                                            rewritten):
    q = analyze(question, speakers, [earlier])
    assert q.followup and q.speakers == (he,) and q.rewritten == rewritten
    # the one named after the pronoun is what the question is about
    assert any(name in q.topic for name in ("林俊旸", "Lin Junyang"))


def test_a_pronoun_after_a_name_is_that_person(speakers):
    q = analyze("姚顺雨怎么看？他有什么理由？", speakers, ["唐杰怎么看开源？"])
    assert q.speakers == ("姚顺雨",)


def test_a_question_with_its_own_speaker_is_not_rewritten(speakers):
    q = analyze("姚顺雨怎么看教育？", speakers, ["林俊旸怎么看算力？"])
    assert not q.followup and q.speakers == ("姚顺雨",) and q.rewritten == "姚顺雨怎么看教育？"


def test_history_is_bounded(speakers):
    history = ["唐杰怎么看RLVR？"] + ["天气如何？"] * 10
    q = analyze("他还说了什么？", speakers, history, max_history=4)
    assert q.speakers == ()  # the turn naming 唐杰 is older than the last four


def test_clean_and_truncate(speakers):
    assert clean("a\x00b c\ud800\n\nd\x7f") == "ab c d"
    q = analyze("唐杰" + "很" * 1000, speakers, max_chars=50)
    assert q.truncated and len(q.text) == 50


# ------------------------------------------------------------------ follow-ups in three scripts

from rag.conversation import Turn  # noqa: E402


@pytest.mark.parametrize("question, earlier, person, rewritten", [
    ("他为什么这么说？", "谁说干这一行就不能恐惧？", "林俊旸", "林俊旸为什么这么说？"),
    ("他為什麼這麼說？", "是誰說模型層偏向硬核工業化？", "姚顺雨", "姚顺雨为什么这么说？"),
    ("Why did he say that?", "Who talked about leaderboards?", "杨植麟", "Why did Yang Zhilin say that?"),
    ("Which models did he give as examples?", "Who talked about leaderboards?", "杨植麟",
     "Which models did Yang Zhilin give as examples?"),
    ("What optimizer did his team use?", "Who said the line goes to the bottom-left?", "杨植麟",
     "What optimizer did Yang Zhilin's team use?"),
])
def test_a_pronoun_after_who_is_the_person_who_answered(speakers, question, earlier, person, rewritten):
    q = analyze(question, speakers, [Turn(earlier, (person,), (), True)])
    assert q.followup and q.carried and q.speakers == (person,) and q.rewritten == rewritten
    # from the question alone (no answer known) nobody is carried
    assert analyze(question, speakers, [earlier]).speakers == ()


def test_the_person_asked_about_outranks_the_answer(speakers):
    turn = Turn("林俊旸怎么看算力？", ("唐杰",), (), True)
    assert analyze("他还说了什么？", speakers, [turn]).speakers == ("林俊旸",)


@pytest.mark.parametrize("question, earlier, person, rewritten", [
    ("那唐杰呢？", "林俊旸怎么看RLVR？", "唐杰", "唐杰怎么看RLVR？"),
    ("那唐傑呢？", "林俊暘怎麼看RLVR？", "唐杰", "唐杰怎么看RLVR？"),
    ("And what about Tang Jie?", "What does Lin Junyang think about RLVR?", "唐杰",
     "What does Tang Jie think about RLVR?"),
    ("And Yao Shunyu?", "What does Lin Junyang think about RLVR?", "姚顺雨",
     "What does Yao Shunyu think about RLVR?"),
    ("How about Shunyu Yao?", "What does Lin Junyang think about RLVR?", "姚顺雨",
     "What does Yao Shunyu think about RLVR?"),
    # a question after it that asks nothing more leaves it an ellipsis
    ("那姚顺雨呢？他是怎么看的？", "林俊旸怎么看RLVR？", "姚顺雨", "姚顺雨怎么看RLVR？"),
    ("And Yao Shunyu? What does he think?", "What does Lin Junyang think about RLVR?", "姚顺雨",
     "What does Yao Shunyu think about RLVR?"),
])
def test_ellipsis_with_a_person_asks_the_earlier_question_of_them(speakers, question, earlier, person, rewritten):
    q = analyze(question, speakers, [earlier])
    assert q.followup and not q.carried and q.speakers == (person,)
    assert q.rewritten == rewritten and "RLVR" in q.topic


@pytest.mark.parametrize("question, earlier, person, new", [
    ("那To C用户呢？", "姚顺雨说，对To B来说，智能越高意味着什么？", "姚顺雨", "To C用户"),
    ("那創業公司呢？", "姚順雨說10萬人的公司在資料上可以做些什麼？", "姚顺雨", "创业公司"),
    ("What about startups?", "What did Yao Shunyu say a company of 100,000 people can do with data?",
     "姚顺雨", "startups"),
])
def test_ellipsis_with_a_topic_keeps_the_person_and_may_be_declined(speakers, question, earlier, person, new):
    q = analyze(question, speakers, [earlier])
    assert q.followup and q.speakers == (person,) and new in q.focus and new in q.topic
    assert not q.carried   # a new topic: whether the person discussed it is for plan_not_said_by


@pytest.mark.parametrize("question, earlier, x, rewritten", [
    ("那To C用户呢？", "姚顺雨说，对To B来说，智能越高意味着什么？", "To C用户", "姚顺雨说，对To C用户来说，智能越高意味着什么？"),
    ("那創業公司呢？", "姚順雨說10萬人的公司在資料上可以做些什麼？", "创业公司", "姚顺雨说创业公司在资料上可以做些什么？"),
    ("What about startups?", "What did Yao Shunyu say a company of 100,000 people can do with data?", "startups",
     "What did Yao Shunyu say startups can do with data?"),
])
def test_ellipsis_with_a_topic_asks_the_earlier_question_of_it(speakers, question, earlier, x, rewritten):
    asked = []

    def swap(text, part):   # what rag.ellipsis.Swap does with the model, here given
        asked.append((text, part))
        return rewritten
    q = analyze(question, speakers, [earlier], swap=swap)
    assert asked == [(analyze(earlier, speakers).asked, x)]
    assert q.rewritten == q.asked == rewritten and q.speakers == ("姚顺雨",) and q.followup and not q.carried
    assert q.topic == analyze(rewritten, speakers).topic and x in q.focus   # the earlier topic is not added
    beside = analyze(question, speakers, [earlier], swap=lambda text, part: None)   # no part to replace
    assert beside.rewritten != rewritten and analyze(earlier, speakers).rewritten in beside.rewritten


@pytest.mark.parametrize("question", ["还有呢？", "還有呢？", "Anything else?", "他还说了什么？"])
def test_asking_for_more_keeps_person_and_topic(speakers, question):
    q = analyze(question, speakers, ["唐杰怎么看RLVR？"])
    assert q.followup and q.speakers == ("唐杰",) and "RLVR" in q.topic


def test_that_refers_to_the_earlier_topic(speakers):
    q = analyze("Does that hold for enterprise products too?", speakers,
                ["What did Yao Shunyu say about how ChatGPT and Doubao are built?"])
    assert q.followup and q.speakers == ("姚顺雨",) and "ChatGPT" in q.topic
    q = analyze("林俊旸也这么觉得吗？", speakers, ["姚顺雨觉得中国研究者更倾向于做什么样的事？"])
    assert q.followup and not q.carried and q.speakers == ("林俊旸",) and "研究者" in q.topic
    assert q.asked == "林俊旸也这么觉得吗？"   # its form (yes/no) is read from its own words


@pytest.mark.parametrize("question", ["Where's the catch, then?", "主要的风险和代价在哪里？"])
def test_a_turn_naming_nobody_in_words_the_transcript_lacks_is_about_the_earlier_topic(speakers, question):
    known = {"RLVR", "reinforcement"}      # the words the transcript holds, as the retriever would tell

    def holds(text, lang):
        return any(w in text for w in known)
    q = analyze(question, speakers, ["唐杰怎么看RLVR？"], holds=holds)
    assert q.followup and q.speakers == ("唐杰",) and "RLVR" in q.topic
    # nobody to tell, or words the transcript holds: a question of its own, still of that person,
    # with the earlier topic only as a second reading
    for q in (analyze(question, speakers, ["唐杰怎么看RLVR？"]),
              analyze("What is reinforcement learning?", speakers, ["唐杰怎么看RLVR？"], holds=holds)):
        assert q.followup and q.speakers == ("唐杰",) and "RLVR" not in q.topic and "RLVR" in q.earlier


@pytest.mark.parametrize("question", ["是谁拍板的？", "Who signed off?"])
def test_a_who_turn_in_words_the_transcript_lacks_asks_who_did_the_earlier_thing(speakers, question):
    """Chinese leaves the object out ("是谁拍板的？"): a who-question whose words the transcript
    holds none of asks about what the conversation was about, and names nobody in advance."""
    known = {"RLVR"}

    def holds(text, lang):
        return any(w in text for w in known)
    q = analyze(question, speakers, ["唐杰的团队为什么押注RLVR？"], holds=holds)
    assert q.followup and q.asks_who and q.speakers == () and "RLVR" in q.topic
    q = analyze("是谁提到RLVR的？", speakers, ["唐杰的团队为什么押注RLVR？"], holds=holds)   # words of its own
    assert not q.followup and q.asks_who and q.topic.count("RLVR") == 1


@pytest.mark.parametrize("question", ["有没有具体的数字？", "是哪一年？", "When?", "How many?", "Any figures?",
                                      "Could you give me an example?", "有例子吗？"])
def test_a_turn_asking_only_for_a_kind_of_detail_is_about_the_earlier_topic(speakers, question):
    # nothing but the words asking for a figure, a date or an example: about what was asked before
    assert is_vague(to_simplified(question))
    q = analyze(question, speakers, ["唐杰怎么看RLVR？"])
    assert q.followup and q.speakers == ("唐杰",) and "RLVR" in q.topic


@pytest.mark.parametrize("first, second, third", [
    ("杨植麟怎么看长上下文？", "他觉得它难在哪里？", "有例子吗？"),
    ("How does Yang Zhilin see long context?", "What problem does he have with it?", "Any examples?")])
def test_a_vague_turn_after_a_pointing_back_turn_keeps_what_it_pointed_to(speakers, first, second, third):
    # the second turn's "it" is the first turn's topic; asking for an example of that is still about it
    topic = analyze(first, speakers).topic.split()[-1]
    assert topic not in analyze(second, speakers, [first]).topic
    q = analyze(third, speakers, [first, second])
    assert q.followup and q.speakers == ("杨植麟",) and topic in q.topic


@pytest.mark.parametrize("question, earlier", [
    ("What number did Lin Junyang give?", "What did the moderator ask the panel about China's odds of leading?"),
    ("那杨植麟有具体数字吗？", "主持人问嘉宾中国领先的可能性有多大？")])
def test_a_person_named_with_nothing_else_of_their_own_is_asked_the_earlier_question(speakers, question, earlier):
    # a new person, and nothing of its own but words asking for a figure: the earlier topic, of them
    q = analyze(question, speakers, [earlier])
    asked = analyze(earlier, speakers).topic.split()[-1]
    assert q.followup and q.speakers == analyze(question, speakers).speakers and asked in q.topic


@pytest.mark.parametrize("question", ["RLVR是什么？", "What is RLVR?", "他拿哪些公司做例子？", "哪一年开始做开源？"])
def test_a_turn_with_a_topic_of_its_own_is_not_vague(question):
    assert not is_vague(to_simplified(question))


def test_a_new_question_is_not_a_followup(speakers):
    for question in ("And what did Lin Junyang say about coding?", "Which speaker talked about being poor?"):
        q = analyze(question, speakers, ["What did Yao Shunyu say coding is doing to the industry?"])
        assert not q.followup and "姚顺雨" not in q.speakers


def test_asking_again(speakers):
    assert analyze("再说一遍他的原话？", speakers, ["唐杰怎么看RLVR？"]).again
    assert analyze("Say that again?", speakers, ["What does Tang Jie think of RLVR?"]).again
    assert not analyze("Why did he say that?", speakers, ["What does Tang Jie think of RLVR?"]).again


def test_they_after_the_article_is_not_the_article(speakers):
    q = analyze("And what phrase did the article use for how they cope with less compute?", speakers,
                ["According to the article, what topics did the discussion cover?"])
    assert q.speakers == (EDITOR,) and "the article cope" not in q.rewritten


@pytest.mark.parametrize("earlier, he, they", [
    ("林俊旸和姚顺雨怎么看算力？", "他还说了什么？", "他们还说了什么？"),
    ("林俊暘和姚順雨怎麼看算力？", "他還說了什麼？", "他們還說了什麼？"),
    ("What do Lin Junyang and Yao Shunyu think about compute?", "What else did he say?", "What else did they say?"),
])
def test_he_after_a_turn_naming_two_is_the_one_the_answer_was_about(speakers, earlier, he, they):
    answered = Turn(earlier, ("姚顺雨",), (), True)
    assert analyze(he, speakers, [answered]).speakers == ("姚顺雨",)
    assert analyze(he, speakers, [earlier]).speakers == ("林俊旸",)   # answer unknown: the first named
    assert analyze(they, speakers, [answered]).speakers == ("林俊旸", "姚顺雨")


@pytest.mark.parametrize("earlier, own, new, back", [
    ("林俊旸怎么看算力？", "他拿哪些公司做例子？", "公司", "他在这方面怎么说？"),
    ("林俊暘怎麼看算力？", "他的團隊用了什麼優化器？", "优化器", "他在這方面怎麼說？"),
    ("What does Lin Junyang think about compute?", "Which optimizer did his team use?", "optimizer",
     "Why did he say that?"),
    # a thing pronoun inside a question of its own points into it ("it" = the optimizer), not back
    ("林俊旸怎么看算力？", "那个1.8B模型当时在他看来好用吗？", "1.8B模型", "他为什么这么说？"),
    ("What does Lin Junyang think about compute?", "Which optimizer did his team use, and what did it gain them?",
     "optimizer", "Why did he say that?"),
])
def test_a_pronoun_followup_with_its_own_subject_leaves_the_earlier_one(speakers, earlier, own, new, back):
    q = analyze(own, speakers, [earlier])
    assert q.speakers == ("林俊旸",) and new in q.topic
    assert "算力" not in q.topic and "compute" not in q.topic   # retrieval is not pulled back to the last answer
    q = analyze(back, speakers, [earlier])   # "这方面", "that": the earlier subject
    assert q.speakers == ("林俊旸",) and ("算力" in q.topic or "compute" in q.topic)


@pytest.mark.parametrize("earlier, then, points_back", [
    ("唐杰怎么看泛化能力？", "他觉得现在的模型在这方面做得怎么样？", True),    # "这方面": words of its own, pointing back
    ("唐傑怎麼看泛化能力？", "他覺得現在的模型在這方面做得怎麼樣？", True),
    ("What does Lin Junyang think about compute?", "Which optimizer did his team use, and what did it gain them?", True),
    ("林俊旸怎么看算力？", "他拿哪些公司做例子？", False),                    # no thing pronoun: its own only
    ("林俊旸怎么看算力？", "他在这方面怎么说？", False),                      # nothing of its own: the earlier topic
])
def test_a_followup_with_words_of_its_own_and_a_thing_pronoun_keeps_the_earlier_topic_beside(
        speakers, earlier, then, points_back):
    first, q = analyze(earlier, speakers), analyze(then, speakers, [earlier])
    assert q.earlier == (first.topic if points_back else "")
    if points_back:   # its own topic is searched as it is, the earlier one beside it
        assert first.topic not in q.topic


@pytest.mark.parametrize("earlier, again", [
    ("林俊旸怎么看算力？", "再说一遍他的原话？"), ("林俊暘怎麼看算力？", "再說一遍他的原話？"),
    ("What does Lin Junyang think about compute?", "Can you repeat his exact words?"),
])
def test_asking_again_for_his_words_keeps_the_earlier_subject(speakers, earlier, again):
    q = analyze(again, speakers, [earlier])
    assert q.again and q.speakers == ("林俊旸",) and ("算力" in q.topic or "compute" in q.topic)


def test_a_person_named_by_the_family_name_alone(speakers):
    # "Yao" is Yao Shunyu's family name, which no one else in the speakers file has
    q = analyze("Does Yao think self-learning is already happening?", speakers)
    assert q.speakers == ("姚顺雨",) and "Yao" not in q.topic
    # in a word of its own only ("Kimi Linear" names no one by "Lin")
    assert "林俊旸" not in analyze("What is Kimi Linear?", speakers).speakers


def test_a_family_name_two_people_share_names_neither():
    from index.speakers import Speaker, Speakers
    people = Speakers([Speaker("王伟", "Wang Wei", "", "", ("Wang Wei",), (), ()),
                       Speaker("王芳", "Wang Fang", "", "", ("Wang Fang",), (), ()),
                       Speaker("Dana Smith", "Dana Smith", "", "", (), (), ()), Speaker("李明", "Li Ming", "", "", (), (), ())])
    assert analyze("What did Wang say?", people).speakers == ()
    assert analyze("What did Dana say?", people).speakers == ()   # not a Chinese name: no family-name-first rule
    assert analyze("What did Wang Fang say?", people).speakers == ("王芳",)
    assert analyze("What did Li say?", people).speakers == ("李明",)


@pytest.mark.parametrize("question", ["第三点具体讲的是啥？", "第二条是什么？"])
def test_an_ordinal_with_nothing_else_of_its_own_points_back(speakers, question):
    """"啥" is 什么 and "是" a copula: "第三点具体讲的是啥？" asks for an item of the list the last
    answer was about, of the person it quoted."""
    assert is_vague(to_simplified(question))
    q = analyze(question, speakers, ["唐杰说Agent能不能落地取决于哪几点？"])
    assert q.followup and q.speakers == ("唐杰",)


@pytest.mark.parametrize("question", ["林俊旸当时是什么态度？", "What was Lin Junyang's attitude back then?"])
def test_at_the_time_points_back_to_the_earlier_topic(speakers, question):
    """"当时" / "back then": the time of what the conversation was about, so its topic carries
    over even though the person is named again."""
    q = analyze(question, speakers, ["林俊旸的师弟为什么要把1.8B模型开源？"])
    assert q.followup and "开源" in q.topic


@pytest.mark.parametrize("question, said", [("So who said the gap is widening?", True),
                                            ("谁说自己不想掺和这场争论？", True),
                                            ("And which speaker said it was a debate?", True),
                                            ("谁和谁在开源上有分歧？", False),
                                            ("Which speakers disagreed about open source?", False)])
def test_a_who_question_asking_who_said_something(question, said):
    """A verb of speech after the interrogative (inside the match, "who said", or after it)."""
    assert asks_who_said(question) == said


@pytest.mark.parametrize("question", ["What exactly did he say?", "他到底是怎么说的？"])
def test_exactly_asks_nothing_of_its_own_the_earlier_topic_stays(speakers, question):
    """"exactly", "到底" only press the question: the turn is about what the earlier one was."""
    earlier = Turn("Who talked about the railway?", ("杨植麟",), (), True)
    q = analyze(question, speakers, [earlier])
    assert q.speakers == ("杨植麟",) and "railway" in q.topic


@pytest.mark.parametrize("question, about", [("Who is the host?", "李广密"), ("What is Kimi?", "杨植麟"),
                                             ("谁是唐杰？", "唐杰"), ("What is Kimi's plan?", ""),
                                             ("唐杰是哪个机构的？", "唐杰"), ("What company is Yao Shunyu with?", "姚顺雨"),
                                             # a company asked of what someone said: no identity
                                             ("林俊旸说哪家公司最强？", ""),
                                             ("Which lab did Yang Zhilin say was ahead?", ""),
                                             # the company asked for is someone else's
                                             ("林俊旸的对手是哪家公司？", ""), ("在唐杰看来，现在是哪家公司领先？", ""),
                                             ("Which lab is ahead in coding according to Tang Jie?", ""),
                                             ("Who does Tang Jie work for?", "唐杰"), ("姚顺雨现在在哪家公司？", "姚顺雨"),
                                             # where they were before: as introduced
                                             ("林俊旸之前在哪？", "林俊旸"), ("Where did Yang Zhilin work before?", "杨植麟"),
                                             # where in the talk, not where they work
                                             ("林俊旸在哪里提到开源？", ""), ("Where did Tang Jie mention RLVR?", ""),
                                             # who holds a title, asked of nothing else: who they are
                                             ("Who was the moderator?", "李广密"), ("谁主持了圆桌？", "李广密"),
                                             ("Which guest did the moderator ask first?", "")])
def test_an_identity_question_names_whom_it_asks_about(speakers, question, about):
    assert analyze(question, speakers).about == about


@pytest.mark.parametrize("history, question, word", [
    (["What does Lin Junyang think about the compute gap?"], "Did anyone disagree?", "compute"),
    (["唐杰怎么看开源？"], "大家有分歧吗？", "开源"),
    (["What did Tang Jie say about RLVR?"], "Does anyone agree?", "rlvr"),
    (["杨植麟怎么看长上下文？"], "有没有人反驳？", "上下文"),
])
def test_whether_anyone_disagrees_asks_everyone_on_the_earlier_question(speakers, history, question, word):
    """A turn asking nothing but whether people disagree (or agree) is about the earlier
    question, put to everyone: not the whole event's disagreements, not the earlier person alone."""
    q = analyze(question, speakers, history)
    assert q.followup and q.speakers == () and word in q.topic.lower()


@pytest.mark.parametrize("history, question", [
    (["林俊旸怎么看开源？"], "他不同意谁？"),              # "he": the earlier person, asked what he disputes
    (["林俊旸怎么看开源？"], "大家在算力上有分歧吗？"),      # a topic of its own
])
def test_a_dispute_turn_with_a_person_or_a_topic_of_its_own_is_not_put_to_everyone(speakers, history, question):
    q = analyze(question, speakers, history)
    assert q.speakers == ("林俊旸",) or "开源" not in q.topic


@pytest.mark.parametrize("history, question", [
    (["What did Lin Junyang say about the gap with the US?"], "What did Yao Shunyu disagree with?"),
    (["林俊旸怎么看开源？"], "唐杰和姚顺雨有什么分歧？"),     # two people: their own question
    (["林俊旸怎么看开源？"], "姚顺雨反驳了什么？"),
])
def test_a_question_of_its_own_about_disagreeing_is_not_asked_as_what_about_x(speakers, history, question):
    """Only a yes/no turn asking whether one person agrees ("Does X agree?") puts the earlier
    question to them; "What did X disagree with?" asks its own question."""
    assert analyze(question, speakers, history).asked == to_simplified(question)


@pytest.mark.parametrize("history, question, asked", [
    (["林俊旸怎么看开源？", "他为什么这么说？"], "那唐杰呢？", "唐杰怎么看开源？"),
    # a why of the last answer's own words ("他为何这么悲观？") is about what that person said
    (["唐杰怎么看中美差距？", "他为何这么悲观？"], "那姚顺雨呢？", "姚顺雨怎么看中美差距？"),
    # whether someone agrees: what they said on it (the earlier person's view is in the last answer)
    (["林俊旸怎么看中美差距？"], "姚顺雨也认同吗？", "姚顺雨怎么看中美差距？"),
    (["What did Lin Junyang say about education?"], "Does Tang Jie see it the same way?",
     "What did Tang Jie say about education?"),
    (["What did Yao Shunyu say about education?", "Anything else?"], "What about Tang Jie?",
     "What did Tang Jie say about education?"),
])
def test_what_about_another_person_after_a_turn_of_nothing_of_its_own_asks_the_earlier_question(
        speakers, history, question, asked):
    """"那唐杰呢？" after "他为什么这么说？" asks what Tang Jie said on the topic, not why he said
    what the other person did."""
    assert analyze(question, speakers, history).rewritten == asked



@pytest.mark.parametrize("question", ["那现在进展到什么程度了？", "So now, where do things stand?"])
def test_a_turn_opening_with_a_continuation_carries_the_earlier_person_and_topic(speakers, question):
    q = analyze(question, speakers, ["杨植麟在2019年的路线图上写了什么？"])
    assert q.followup and q.speakers == ("杨植麟",) and "路线图" in q.topic



@pytest.mark.parametrize("question", ["What does Lin Junyang think of Yao Shunyu?", "林俊旸怎么评价姚顺雨？",
                                      "林俊旸如何看待姚顺雨的说法？"])
def test_the_person_a_speaker_is_asked_about_stays_in_the_topic(speakers, question):
    """The first person speaks; the other is what they spoke of, kept (by their canonical name)."""
    q = analyze(question, speakers)
    assert q.speakers == ("林俊旸",) and "姚顺雨" in q.topic


@pytest.mark.parametrize("question, about", [("月之暗面是什么？", "杨植麟"), ("杨植麟的结论是什么？", ""),
                                             ("月之暗面的打法是什么？", "")])
def test_what_is_asks_who_someone_is_only_of_a_bare_name(speakers, question, about):
    assert analyze(question, speakers).about == about


@pytest.mark.parametrize("question", ["那一年发生了什么？", "那时候他们在忙什么？"])
def test_that_year_points_back_to_the_earlier_turn(speakers, question):
    q = analyze(question, speakers, ["杨植麟提到的那次架构升级是哪一年？"])
    assert q.followup and "架构" in q.topic + q.earlier   # (beside its own words, weighed both ways)


@pytest.mark.parametrize("question, about, who", [
    ("月之暗面的收入来自哪里？", "", False),      # an organisation: only "What is X?" asks who someone is
    ("杨植麟认为哪些人最适合做研究？", "", False),   # 哪些人 beside a person named is what they think, not who said it
])
def test_an_organisation_or_a_person_named_keeps_what_it_asks(speakers, question, about, who):
    q = analyze(question, speakers)
    assert q.about == about and q.asks_who == who and q.speakers


def test_what_about_x_with_a_relative_clause_is_still_an_ellipsis(speakers):
    """Only a bare "And …" holding a question word is a question of its own."""
    q = analyze("What about companies who have less compute?", speakers, ["What did Yang Zhilin say about open source?"])
    assert q.followup and q.speakers == ("杨植麟",)


@pytest.mark.parametrize("question", ["What makes it difficult?", "它有什么问题？", "还有呢？"])
def test_the_article_answering_a_topic_question_is_not_carried_as_a_person(speakers, question):
    """After "What is <a term>?" answered from the article, a follow-up about "it" asks of the
    term, not of the article's own words: no person is carried."""
    earlier = Turn("What is a world model?", (EDITOR,), (), True)
    q = analyze(question, speakers, [earlier])
    assert q.followup and EDITOR not in q.speakers and "world model" in q.topic


def test_a_person_answering_a_topic_question_is_still_carried(speakers):
    earlier = Turn("What is a world model?", ("杨植麟",), (), True)
    assert analyze("还有呢？", speakers, [earlier]).speakers == ("杨植麟",)


@pytest.mark.parametrize("question", ["How come?", "what made him?", "为啥？"])
def test_asking_only_for_a_reason_is_a_follow_up_of_the_earlier_person(speakers, question):
    """A reason cue ("how come", "为啥") is no content of its own: the turn asks why of the earlier
    turn's person and topic."""
    earlier = Turn("What does Yang Zhilin think about long context?", ("杨植麟",), (), True)
    q = analyze(question, speakers, [earlier])
    assert q.followup and q.speakers == ("杨植麟",) and "long context" in q.topic


@pytest.mark.parametrize("question", ["那以后打算怎么做？", "所以最后结果如何", "So where does it end up?"])
def test_a_turn_opening_with_so_or_then_carries_the_earlier_person(speakers, question):
    """"那…", "所以…", "So …" open a turn that goes on from the last one, even with words of its own."""
    earlier = Turn("唐杰觉得大模型的瓶颈是什么？", ("唐杰",), (), True)
    q = analyze(question, speakers, [earlier])
    assert q.followup and q.speakers == ("唐杰",)


@pytest.mark.parametrize("question", ["那个模型叫什么？", "那林俊旸呢？"])
def test_a_bare_na_is_not_read_into_a_pronoun_or_an_ellipsis(speakers, question):
    earlier = Turn("唐杰觉得大模型的瓶颈是什么？", ("唐杰",), (), True)
    q = analyze(question, speakers, [earlier])
    assert q.followup and ("林俊旸" in q.speakers) == ("林俊旸" in question)


@pytest.mark.parametrize("question, x", [("What was the third one?", "third one"), ("第三个是什么？", "第三个"),
                                         ("第三点是啥", "第三点")])
def test_a_turn_asking_only_for_an_ordinal_replaces_the_last_ordinal_asked(speakers, question, x):
    """A turn asking for an ordinal and nothing else is "And the third?": it stands for the ordinal
    of the last turn that asked one, even with a why-turn between them."""
    from rag.ellipsis import Swap
    swap = Swap(lambda texts: None, lambda text: [], lambda text: [])   # an ordinal needs no model
    turns = [Turn("杨植麟提到的第一个变化是什么？", ("杨植麟",), (), True), Turn("为什么？", ("杨植麟",), (), True)]
    q = analyze(question, speakers, turns, swap=swap)
    assert q.followup and q.speakers == ("杨植麟",) and x in q.focus
    assert "第三" in q.rewritten and "第一" not in q.rewritten and q.rewritten.startswith("杨植麟提到的")


@pytest.mark.parametrize("question", ["What was his third point?", "第三个机会是谁提的？"])
def test_an_ordinal_beside_words_of_its_own_is_a_question_of_its_own(speakers, question):
    turns = [Turn("杨植麟提到的第一个变化是什么？", ("杨植麟",), (), True)]
    q = analyze(question, speakers, turns, swap=lambda text, part: "SWAPPED")
    assert q.rewritten != "SWAPPED"


@pytest.mark.parametrize("question", ["What did she mean?", "Can you elaborate?", "Like what?"])
def test_asking_what_was_meant_or_for_more_keeps_the_earlier_topic(speakers, question):
    """"mean", "elaborate", "like" ask nothing of their own: the earlier topic stays."""
    earlier = Turn("What does Yang Zhilin think about long context?", ("杨植麟",), (), True)
    q = analyze(question, speakers, [earlier])
    assert q.followup and "long context" in q.topic


@pytest.mark.parametrize("question, among", [
    ("杨植麟跟唐杰谁更重视数据？", ("杨植麟", "唐杰")),
    ("唐杰和杨植麟之间谁先提到了Agent？", ("唐杰", "杨植麟")),
    ("Who was more cautious, Tang Jie or Yang Zhilin?", ("唐杰", "杨植麟")),
    ("Between Yang Zhilin and Tang Jie, who spoke about memory?", ("杨植麟", "唐杰")),
    # the people are what it asks about, not a choice
    ("谁同意唐杰和杨植麟的看法？", ()),
    ("Who agreed with Tang Jie and Yang Zhilin?", ()),
    ("唐杰说杨植麟和林俊旸做得好吗？", ()),
])
def test_a_who_question_choosing_between_people_it_names(speakers, question, among):
    q = analyze(question, speakers)
    assert q.asks_who == bool(among) or not among
    assert q.among == among


# mends after a review of the session's diff

@pytest.mark.parametrize("question", ["第二个为什么？", "Why the second one?", "第二个怎么做？"])
def test_an_ordinal_beside_another_interrogative_asks_something_of_its_own(question):
    from rag.query import _ordinal_asked
    assert _ordinal_asked(question) is None


def test_the_ordinal_lookback_stops_at_a_turn_that_asked_something_of_its_own(speakers):
    turns = [Turn("唐杰提到的第一个判断是什么？", ("唐杰",), (), True), Turn("杨植麟怎么看开源？", ("杨植麟",), (), True)]
    q = analyze("第二个是什么？", speakers, turns, swap=lambda text, part: "SWAPPED")
    assert q.rewritten != "SWAPPED" and "第一个判断" not in q.rewritten


def test_the_ordinal_turn_is_asked_of_the_person_of_the_turn_it_stands_for(speakers):
    from rag.ellipsis import Swap
    swap = Swap(lambda texts: None, lambda text: [], lambda text: [])
    turns = [Turn("唐杰提到的第一个判断是什么？", ("唐杰",), (), True), Turn("为什么？", ("唐杰",), (), True)]
    q = analyze("第二个是什么？", speakers, turns, swap=swap)
    assert q.speakers == ("唐杰",) and "第二个判断" in q.rewritten


@pytest.mark.parametrize("question", ["What does AGI mean?", "What is AI like?"])
def test_mean_and_like_beside_a_word_of_its_own_ask_about_that_word(speakers, question):
    """Not "What did he mean?": the turn asks about its own word (of the person the conversation
    is about), not about the earlier topic."""
    earlier = Turn("What does Tang Jie think about open source?", ("唐杰",), (), True)
    q = analyze(question, speakers, [earlier])
    assert "open source" not in q.topic and q.assumed


@pytest.mark.parametrize("question, among", [
    ("Who praised Lin Junyang or Yao Shunyu for taking risks?", ()),
    ("关于俊旸和顺雨，谁说他们敢冒险？", ()),
    ("Who’s more cautious, Tang Jie or Yang Zhilin?", ("唐杰", "杨植麟")),
    ("Who is more cautious — Tang Jie or Yang Zhilin?", ("唐杰", "杨植麟")),
    ("Tang Jie or Yang Zhilin: who is more cautious?", ("唐杰", "杨植麟")),
])
def test_a_choice_between_people_is_offered_where_a_choice_is_put(speakers, question, among):
    assert analyze(question, speakers).among == among


@pytest.mark.parametrize("question, by_organisation", [("智谱有多少员工？", True), ("What did Alibaba release?", True),
                                                      ("Kimi怎么看开源？", False),
                                                      ("What does Zhipu think about open source?", False)])
def test_an_organisation_asked_what_it_thinks_or_said_is_its_person(speakers, question, by_organisation):
    """The company itself is what a question about it asks ("How many staff?"), but what it thinks
    or said is what its person thinks or said: the person is asked, and "did not talk about this"
    can be said of them."""
    q = analyze(question, speakers)
    assert q.speakers and q.by_organisation is by_organisation


@pytest.mark.parametrize("question", ["成本大概降了多少", "What did the second experiment show?", "上線之後反應如何"])
def test_a_turn_naming_no_one_goes_on_about_the_earlier_person(speakers, question):
    """In a conversation about someone, a turn naming no one and no pronoun is still about them:
    their words on what it asks, with the earlier topic as a second reading."""
    earlier = Turn("杨植麟说他们换了哪种训练方法？", ("杨植麟",), (), True)
    q = analyze(question, speakers, [earlier])
    assert q.followup and q.speakers == ("杨植麟",) and "训练方法" in q.earlier and "训练方法" not in q.topic


@pytest.mark.parametrize("question", ["峰会上大家都聊了些什么？", "How did the panelists compare?",
                                      "總結一下這次活動", "What else came up in the panel?", "大家都聊了些什么？",
                                      "What did everyone else think?"])
def test_a_turn_about_the_whole_document_or_everyone_is_not_carried(speakers, question):
    earlier = Turn("杨植麟说他们换了哪种训练方法？", ("杨植麟",), (), True)
    assert analyze(question, speakers, [earlier]).speakers == ()


def test_everyone_in_what_was_said_is_no_one_who_speaks(speakers):
    """"大家" beside no verb of speech is people in what was said: the turn is still the earlier person's."""
    earlier = Turn("唐杰说2019年实验室停掉了哪些方向？", ("唐杰",), (), True)
    assert analyze("大家后来转去做什么了？", speakers, [earlier]).speakers == ("唐杰",)


def test_a_turn_naming_no_one_after_the_moderator_asked_a_guest_is_about_the_guest(speakers):
    earlier = Turn("主持人问了唐杰什么问题？", ("李广密",), (), True)
    assert analyze("成本大概降了多少", speakers, [earlier]).speakers == ("唐杰",)


def test_an_earlier_question_beside_a_turn_is_shown_once_not_nested(speakers):
    turns = [Turn("What does Lin Junyang think limits agents?", ("林俊旸",), (), True),
             Turn("give an example", ("林俊旸",), (), True)]
    q = analyze("how come?", speakers, turns)
    assert q.rewritten == "how come? (What does Lin Junyang think limits agents?)"


def test_a_second_reading_is_not_carried_into_the_next_turn_unless_it_was_pointed_at(speakers):
    """The earlier topic read beside a turn of its own words is not what the turn after it is
    about; what a thing pronoun pointed back to is."""
    first = Turn("杨植麟说他们换了哪种训练方法？", ("杨植麟",), (), True)
    assumed = [first, Turn("上线之后反应如何", ("杨植麟",), (), True)]
    pointed = [first, Turn("他在这方面做得怎么样？", ("杨植麟",), (), True)]
    assert "训练方法" not in analyze("还有呢？", speakers, assumed).topic
    assert "训练方法" in analyze("还有呢？", speakers, pointed).topic


def test_an_ellipsis_followed_by_a_question_of_its_own_is_no_ellipsis():
    """"那X呢？他为什么这么说？" asks why, "那X呢？什么时候？" a date (the question after the ellipsis
    asks something more); "那X呢？他是怎么看的？" asks nothing more."""
    from rag.query import _ellipsis
    assert _ellipsis("那姚顺雨呢？他是怎么看的？") == "姚顺雨"
    assert _ellipsis("那姚顺雨呢？他为什么这么说？") is None
    assert _ellipsis("那姚顺雨呢？什么时候？") is None
    assert _ellipsis("那姚顺雨呢？他怎么看开源？") is None


@pytest.mark.parametrize("question, vague", [
    ("他说的初心是什么？", False), ("那开源呢？", False), ("What about AI?", False),
    ("他怎么回答的？", True), ("他为什么这么认为？", True), ("这话什么意思？", True), ("What did he mean?", True),
    ("哪家公司？", True), ("多少人？", True), ("他问了什么？", True), ("他指的是什么？", True),
    ("How did he put it?", True), ("他的原话呢？", True),
])
def test_a_short_word_of_a_turns_own_is_a_topic_if_it_is_a_noun(question, vague):
    # two characters are a topic when they name a thing; a verb of saying or thinking left over,
    # a word that asks nothing, or the thing a figure or a name is asked of ("哪家公司？") is not one
    assert is_vague(to_simplified(question)) is vague


@pytest.mark.parametrize("question, about", [("他是谁？", "林俊旸"), ("Who is he?", "林俊旸"),
                                             ("给他打电话的那个人是谁？", ""), ("Who was the colleague who called him?", "")])
def test_who_is_he_asks_who_the_earlier_person_is_and_nothing_else(speakers, question, about):
    q = analyze(question, speakers, ["林俊旸怎么看开源？"])
    assert q.about == about
    assert q.asks_who == (not about)
