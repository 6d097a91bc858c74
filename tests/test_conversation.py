"""The conversation: turns in the JSON form, their bounds, and follow-ups through the real
pipeline (the failures issue 12 lists, each a slow test)."""
import pytest

from rag import plans
from rag.conversation import Turn, as_turns, bound, from_json


def test_the_json_form_reads_questions_and_answers():
    turns = from_json(["唐杰怎么看RLVR？", {"question": "Who said it?", "speakers": ["唐杰"],
                                          "citations": [{"doc_id": "d", "start": 3, "end": 9, "n": 1}]}])
    assert turns == [Turn("唐杰怎么看RLVR？"), Turn("Who said it?", ("唐杰",), (("d", 3, 9),), True)]
    assert from_json(None) == [] and as_turns(["x", turns[1]]) == [Turn("x"), turns[1]]


@pytest.mark.parametrize("value, message", [
    ("x", "history must be a list of turns, got 'x'"),
    ([{"question": 1}], "history[0] must be a question or an object with a 'question' string, got {'question': 1}"),
    ([{"question": "q", "speakers": "唐杰"}], "history[0].speakers must be a list of names, got '唐杰'"),
    ([{"question": "q", "citations": {}}], "history[0].citations must be a list, got {}"),
    (["q", {"question": "q", "citations": [{"doc_id": "d", "start": "1", "end": 2}]}],
     "history[1].citations[0] must have 'doc_id' and 'start' <= 'end', got {'doc_id': 'd', 'start': '1', 'end': 2}"),
])
def test_a_wrong_shape_is_named(value, message):
    with pytest.raises(ValueError) as err:
        from_json(value)
    assert str(err.value) == message


def test_bounds_keep_the_last_turns_and_cut_long_questions():
    turns = [Turn(f"q{k}") for k in range(6)] + [Turn("x" * 30, ("唐杰",), (), True)]
    kept, notices = bound(turns, 3, 10)
    assert [t.question for t in kept] == ["q4", "q5", "x" * 10] and kept[2].speakers == ("唐杰",)
    assert notices == ("history cut to its last 3 turns (of 7)", "earlier questions cut to their first 10 characters")
    assert bound(turns[:2], 3, 10) == (turns[:2], ())


# ------------------------------------------------------------------ the real pipeline

def _talk(pipeline, *questions):
    history, answers = [], []
    for q in questions:
        answers.append(pipeline.answer(q, list(history)))
        history.append(q)
    return answers


def _spans(answer):
    return {(c.chunk.doc_id, c.start, c.end) for c in answer.citations}


def _overlap(a, b):
    return any(d == e and s < f and t < g for d, s, g in _spans(a) for e, t, f in _spans(b))


@pytest.mark.slow
def test_he_is_the_person_who_answered_who_said(pipeline):
    who, more = _talk(pipeline, "Who talked about leaderboards?", "Which models did he give as examples?")
    assert who.speakers and more.speakers[:1] == who.speakers[:1] and not more.abstained
    assert who.speakers[0] in more.rewritten or pipeline.corpus.speakers.by_name[who.speakers[0]].en in more.rewritten


@pytest.mark.slow
def test_english_followups_are_rewritten_in_english(pipeline):
    _, about = _talk(pipeline, "What does Lin Junyang think about compute?", "And what about Tang Jie?")
    assert about.rewritten == "What does Tang Jie think about compute?"
    who, why, instead = _talk(pipeline, "Who said the Chat generation was basically solved after DeepSeek?",
                              "Why did he say that?", "What did he suggest instead?")
    name = pipeline.corpus.speakers.by_name[who.speakers[0]].en
    assert why.rewritten == f"Why did {name} say that?" and instead.rewritten == f"What did {name} suggest instead?"
    assert why.speakers[:1] == instead.speakers[:1] == who.speakers[:1]


@pytest.mark.slow
@pytest.mark.parametrize("first, why", [("谁说干这一行就不能恐惧？", "他为什么这么说？"),
                                        ("是誰說模型層偏向硬核工業化、應用層偏向業務工程化？", "他為什麼這麼說？"),
                                        ("Who said the Chat generation was basically solved after DeepSeek?",
                                         "Why did he say that?")])
def test_why_quotes_the_reasons_not_the_quote_given(pipeline, first, why):
    a, b = _talk(pipeline, first, why)
    assert a.citations and b.citations and not b.abstained
    assert b.speakers[:1] == a.speakers[:1] and not _overlap(a, b)


@pytest.mark.slow
def test_no_turn_repeats_an_earlier_quote_unless_asked(pipeline):
    answers = _talk(pipeline, "唐杰怎么看RLVR？", "还有呢？", "Anything else?")
    for k, later in enumerate(answers[1:], 1):
        assert later.citations and later.speakers == ("唐杰",)
        assert not any(_overlap(later, earlier) for earlier in answers[:k])
    again = pipeline.answer("再说一遍他的原话？", ["唐杰怎么看RLVR？"])
    assert _overlap(again, answers[0])


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [("林俊旸觉得美国和中国在算力上有什么不同？", "相差了多少？"),
                                         ("林俊旸觉得美国和中国在算力上有什么不同？", "差了多少？")])
def test_how_much_a_difference_is_asks_for_the_figure_not_the_next_point(pipeline, first, then):
    """A turn asking how large the difference just quoted is asks for a figure: the sentence giving
    it answers, even when it was quoted already; not the speaker's next point."""
    a, b = _talk(pipeline, first, then)
    assert "数量级" in a.answer and "数量级" in b.answer and b.speakers[:1] == ("林俊旸",)


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [("唐杰怎么介绍RLVR？", "那它目前遇到的挑战呢？"),
                                         ("How did Tang Jie describe RLVR?", "What about the challenge it faces now?")])
def test_an_ellipsis_pointing_back_asks_more_of_the_earlier_thing(pipeline, first, then):
    """"那它…呢？": "it" is what the earlier question asked about, so X replaces nothing in it (it
    had become "唐杰怎么它目前遇到的挑战RLVR？"): the earlier question stands beside the turn."""
    a, b = _talk(pipeline, first, then)
    assert b.rewritten.startswith(then.rstrip("？?")) and first in b.rewritten
    assert b.speakers[:1] == ("唐杰",) and ("耗尽" in b.answer or "running out" in b.answer)


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [
    ("林俊旸怎么描述美国公司的算力用途？", "那他们在国内的情况呢？"),
    ("How does Lin Junyang describe the way US labs use compute?", "And what about his own team's compute?")])
def test_an_ellipsis_holding_a_person_pronoun_replaces_nothing_either(pipeline, first, then):
    """"他们…", "his own team's …" point back as "it" does (it had become "How does Lin Junyang
    describe the way US labs his own team's compute?")."""
    _, b = _talk(pipeline, first, then)
    assert b.rewritten.startswith(then.rstrip("？?")) and first in b.rewritten


@pytest.mark.slow
@pytest.mark.parametrize("first, then, person", [
    ("What did Yao Shunyu say about education?", "Did anybody else bring up education?", "姚顺雨"),
    ("姚顺雨在圆桌上怎么谈教育？", "其他嘉宾也谈过教育吗？", "姚顺雨"),   # 他 of 其他 is no pronoun
    ("林俊旸怎么看开源？", "其他人怎么看？", "林俊旸"),                 # not "林俊旸怎么看其他人？"
])
def test_a_turn_asking_about_the_others_is_answered_by_someone_else(pipeline, first, then, person):
    """"Did anyone else …?", "其他人怎么看？": everyone but the person the conversation was about,
    on its topic (the earlier question beside the turn), not that person again."""
    a, b = _talk(pipeline, first, then)
    assert a.speakers[:1] == (person,)
    assert b.citations and person not in b.speakers and person not in b.rewritten.replace(first, "")
    assert b.rewritten.startswith(then.rstrip("？?"))


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [("嘉宾都有谁？", "他们讨论了哪几大议题？"),
                                         ("Who are the speakers?", "Which major topics did they cover?")])
def test_they_after_an_answer_naming_everyone_is_everyone(pipeline, first, then):
    """"They" after "Who are the speakers?" are all of them: the question is asked of the whole
    document (the article names the topics), not of the first person the roster listed."""
    a, b = _talk(pipeline, first, then)
    assert len(a.speakers) > 2
    assert not any(name in b.rewritten for name in ("唐杰", "Tang Jie")) and "编者" in b.speakers


@pytest.mark.slow
def test_a_followup_after_the_moderator_asking_a_guest_is_about_the_guest(pipeline):
    """The earlier turn named the moderator and the guest he asked: a turn going on about it
    ("那国内起步晚了几年？") asks what the guest said, not the moderator's question again."""
    a, b = _talk(pipeline, "主持人就研究文化问了姚顺雨什么？", "那国内起步晚了几年？")
    assert a.speakers[:1] == ("李广密",)
    assert b.citations and "李广密" not in b.speakers and all(c.chunk.speaker == "姚顺雨" for c in b.citations)


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [("杨植麟是谁？", "那林俊旸呢？"), ("Who is Yang Zhilin?", "And Lin Junyang?"),
                                         ("Who is Yang Zhilin?", "那林俊旸呢？")])
def test_what_about_y_after_who_x_is_asks_who_y_is(pipeline, first, then):
    """The article's introduction of the person named in the ellipsis, as for the first person;
    the name goes into the earlier question in that question's language."""
    a, b = _talk(pipeline, first, then)
    assert a.citations and b.citations and "林俊旸：" in b.citations[0].quote
    assert ("Lin Junyang" if first.isascii() else "林俊旸") in b.rewritten


@pytest.mark.slow
@pytest.mark.parametrize("first, then, person, written", [
    ("姚顺雨在腾讯负责什么？", "他之前在哪工作？", "姚顺雨", "姚顺雨"),
    ("Who is Yao Shunyu?", "Where did he work before?", "姚顺雨", "Yao Shunyu"),
    ("姚顺雨现在在哪家公司？", "他以前在哪？", "姚顺雨", "姚顺雨"),
    ("Who is Yang Zhilin?", "What did he say about Token efficiency?", "杨植麟", "Yang Zhilin"),
    ("林俊旸怎么看开源？", "他是做什么的？", "林俊旸", "林俊旸"),
    ("杨植麟是谁？", "他是哪家公司的？", "杨植麟", "杨植麟"),
    # "他是谁？" after a question on someone's view: who he is, not who said something
    ("林俊旸怎么看开源？", "他是谁？", "林俊旸", "林俊旸"),
    ("What does Tang Jie think about RLVR?", "Who is he?", "唐杰", "Tang Jie")])
def test_he_after_who_someone_is_is_that_person(pipeline, first, then, person, written):
    """A question of who someone is is answered by the article's introduction of them; "he" in
    the next turn is the person asked about, not the article (nor, in its absence, anyone else);
    a turn asking who he is (where he works, what he does) gets his introduction too."""
    a, b = _talk(pipeline, first, then)
    assert written in b.rewritten and not b.abstained
    assert b.citations and b.speakers[:1] in ((person,), (plans.EDITOR,))
    assert all(person in c.quote or c.chunk.speaker == person for c in b.citations)


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [("唐杰是谁？", "他们各自怎么看算力？"),
                                         ("Who is Lin Junyang?", "What do they think about open source?")])
def test_they_after_who_someone_is_are_still_everyone(pipeline, first, then):
    """Only "he" is the person asked about: "they" asks everyone, as in a first question."""
    a, b = _talk(pipeline, first, then)
    assert len({c.chunk.speaker for c in b.citations}) > 1


@pytest.mark.slow
def test_others_as_an_object_keep_the_conversations_person(pipeline):
    """"中国多久能超过别人？": the others are what is asked about, not who is asked."""
    a, b = _talk(pipeline, "林俊旸如何比较中美两边的算力？", "中国多久能超过别人？")
    assert b.speakers[:1] == ("林俊旸",)


@pytest.mark.slow
def test_others_when_the_filter_leaves_no_one_else_is_declined(pipeline):
    a = pipeline.answer("其他人怎么看？", ["林俊旸怎么看开源？"], speakers=["林俊旸"])
    assert a.abstained and not a.citations


@pytest.mark.slow
def test_an_ellipsis_with_a_demonstrative_before_its_noun_still_replaces(pipeline):
    """"那闭源这块呢？" asks of another thing ("这块" is no pointing back): the earlier question of it."""
    _, b = _talk(pipeline, "唐杰怎么看开源？", "那闭源这块呢？")
    assert "闭源" in b.rewritten and "（" not in b.rewritten


@pytest.mark.slow
def test_anything_else_after_what_the_moderator_asked_is_more_of_his_questions(pipeline):
    _, b = _talk(pipeline, "主持人向姚顺雨提了哪些问题？", "还有呢？")
    assert b.speakers[:1] == ("李广密",)


@pytest.mark.slow
def test_a_followup_in_the_words_of_the_last_question_does_not_bring_its_quote_back(pipeline):
    # "泛化" is the earlier question's word, so no sentence is "asked about in the turn's own words"
    first, then = _talk(pipeline, "唐杰怎么看泛化能力？", "他给没给出泛化差距的具体数字？")
    assert first.citations and then.citations and not _overlap(first, then)


@pytest.mark.slow
def test_a_detail_not_given_is_judged_on_every_sentence_and_its_context_moves_on(pipeline):
    first, then = _talk(pipeline, "What did Lin Junyang say about coding in the US?",
                        "Did he put a number on how much coding is used there?")
    assert then.abstained and then.answer.startswith("The transcript does not give")
    assert first.citations and then.citations and not _overlap(first, then)


@pytest.mark.slow
def test_what_about_someone_who_did_not_discuss_it_is_declined(pipeline):
    first, then = _talk(pipeline, "唐杰怎么看RLVR？", "那姚顺雨呢？")
    assert then.abstained and then.answer.startswith("文字稿里姚顺雨没有谈到") and "姚顺雨" not in then.speakers
    assert {c.chunk.speaker for c in then.citations} == {"唐杰"}


@pytest.mark.slow
@pytest.mark.parametrize("first, about", [("唐杰怎么看RLVR？", "那姚顺雨呢？"), ("唐傑怎麼看RLVR？", "那姚順雨呢？"),
                                          ("What does Tang Jie think about RLVR?", "What about Yao Shunyu?")])
def test_the_pointer_of_a_decline_moves_on_from_the_quote_given(pipeline, first, about):
    a, b = _talk(pipeline, first, about)
    assert b.abstained and "姚顺雨" not in b.speakers and {c.chunk.speaker for c in b.citations} == {"唐杰"}
    assert a.citations and not _overlap(a, b)   # another sentence of his on it, not the one just quoted


@pytest.mark.slow
@pytest.mark.parametrize("first, about, declined, speaker", [
    ("林俊旸说手机厂商想要多大的模型？", "那唐杰呢？", "文字稿里唐杰没有谈到", "林俊旸"),
    ("林俊暘說手機廠商想要多大的模型？", "那唐傑呢？", "文字稿裡唐杰沒有談到", "林俊旸"),
    ("唐傑說的第三點機會是什麼？", "那李廣密自己對這一點怎麼看？", "李广密只是提出了這個問題", "唐杰"),
])
def test_a_decline_whose_only_pointer_was_quoted_names_who_said_it_instead_of_quoting_it_again(
        pipeline, first, about, declined, speaker):
    a, b = _talk(pipeline, first, about)
    assert b.abstained and b.answer.startswith(declined) and b.speakers == (speaker,)
    assert speaker in b.answer and not b.citations and a.citations   # the reader has the quote above


@pytest.mark.slow
@pytest.mark.parametrize("first, then, person", [
    # the earlier question is worded after the person its answer quoted; the one named next
    # spoke to the topic in words of their own, and is not declined for it
    ("唐杰觉得中美差距在缩小吗？", "那姚顺雨呢？", "姚顺雨"),
    ("唐傑覺得中美差距在縮小嗎？", "那姚順雨呢？", "姚顺雨"),
    # the earlier answer declined and quoted the one now named: they are not compared with themselves
    ("林俊旸怎么看强化学习？", "那唐杰呢？", "唐杰"),
    # the topic in Chinese (编程) where X said it in the English the transcript writes (Coding)
    ("唐杰对编程说了什么？", "那林俊旸呢？", "林俊旸"),
])
def test_and_x_after_an_answer_worded_for_another_person_answers_from_x(pipeline, first, then, person):
    _, b = _talk(pipeline, first, then)
    assert not b.abstained and b.speakers[:1] == (person,) and b.citations
    assert all(c.chunk.speaker == person for c in b.citations)


@pytest.mark.slow
@pytest.mark.parametrize("first, then, other", [
    ("杨植麟怎么看Token efficiency？", "那林俊旸呢？", "杨植麟"),
    ("姚顺雨觉得To B市场上强模型和弱模型会怎样？", "那杨植麟呢？", "姚顺雨"),
])
def test_and_x_on_a_topic_x_never_spoke_to_is_still_declined(pipeline, first, then, other):
    _, b = _talk(pipeline, first, then)
    assert b.abstained and other in b.answer


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [
    ("谁说干这一行就不能恐惧？", "他当时对中美差距怎么看？"),
    ("是誰說干這一行就不能恐懼？", "他當時對中美差距怎麼看？"),
    ("Who said every model architecture iteration is about finding a line closer to the bottom-left corner?",
     "Which optimizer did his team use?"),
])
def test_a_followup_asking_something_else_does_not_repeat_the_quote_given(pipeline, first, then):
    a, b = _talk(pipeline, first, then)
    assert a.citations and b.citations and b.speakers[:1] == a.speakers[:1]
    assert not _overlap(a, b)


@pytest.mark.slow
@pytest.mark.parametrize("first, then, rewritten", [
    ("唐杰怎么看Coding在中国的发展？", "那Agent呢？", "唐杰怎么看Agent在中国的发展？"),
    ("杨植麟对Token efficiency有什么看法？", "那Long Context呢？", "杨植麟对Long Context有什么看法？"),
    ("What did Tang Jie say about Coding in China?", "What about Agents?", "What did Tang Jie say about Agents in China?"),
])
def test_what_about_a_topic_asks_the_earlier_question_of_it(pipeline, first, then, rewritten):
    # X takes the place of the part of the earlier question the model finds closest to it
    _, b = _talk(pipeline, first, then)
    assert b.rewritten == rewritten


@pytest.mark.slow
@pytest.mark.parametrize("first, why", [
    ("谁说To B市场上强的模型和弱的模型分化会越来越明显？", "他为什么这么认为？"),
    ("Who said that in To B the gap between strong and weak models keeps widening?", "Why does he think so?"),
])
def test_why_after_an_answer_gives_the_reason_around_what_it_led_with(pipeline, first, why):
    # "why" asks about the quote the last answer led with: the reason is among that speaker's
    # sentences around it (here the paragraph before it), not a sentence elsewhere in the talk
    a, b = _talk(pipeline, first, why)
    ev = pipeline.tools.evidence
    lead = next(i for i, u in enumerate(ev.units) if u.start <= a.citations[0].start < u.end)
    cited = [i for c in b.citations for i, u in enumerate(ev.units) if u.start <= c.start < u.end]
    assert b.citations and not _overlap(a, b) and b.speakers[:1] == a.speakers[:1]
    assert all(abs(i - lead) <= plans.REASON_REACH for i in cited)


@pytest.mark.slow
@pytest.mark.parametrize("first, why, other", [
    ("林俊旸认为三五年内全球领先的AI公司来自中国的可能性有多大？", "他为什么这么保守？", "那姚顺雨呢？"),
    ("How likely does Lin Junyang think it is that the leading AI company in 3-5 years is Chinese?",
     "Why is he so cautious?", "What about Yao Shunyu?"),
])
def test_what_about_someone_else_after_a_why_answers_from_them(pipeline, first, why, other):
    # "那姚顺雨呢？" after a why-follow-up asks the why of the person it names: not the last
    # answer's lead, which is the other person's sentence
    a, b, c = _talk(pipeline, first, why, other)
    assert a.speakers[:1] == ("林俊旸",) and c.citations
    assert {x.chunk.speaker for x in c.citations} == {"姚顺雨"} and c.speakers[:1] == ("姚顺雨",)


@pytest.mark.slow
def test_a_turn_in_words_the_transcript_lacks_stays_with_the_person_and_topic(pipeline):
    # "catch" is in neither the transcript nor its English edition: the turn is about RLVR, Tang Jie's
    a = pipeline.answer("Where's the catch, then?", ["What does Tang Jie say about RLVR?"])
    assert a.citations and {c.chunk.speaker for c in a.citations} == {"唐杰"}
    assert "RLVR" in a.rewritten


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [("杨植麟讲了哪些要点？", "有没有具体数字？"),
                                         ("What did Yang Zhilin say about token efficiency?", "Did he give any figures?")])
def test_a_turn_asking_only_for_figures_is_answered_from_the_person_and_topic(pipeline, first, then):
    # nothing in the turn but what it asks for: the figures are Yang Zhilin's, not those of
    # whoever else said "数字"; in English the one sentence of his with figures written in digits
    _, more = _talk(pipeline, first, then)
    assert not more.abstained and more.citations and more.citations[0].chunk.speaker == "杨植麟"
    if then.isascii():
        assert any(ch.isdigit() for c in more.citations for ch in c.quote)


@pytest.mark.slow
@pytest.mark.parametrize("first, why, reason", [
    ("林俊旸说2021年阿里做芯片时找他做了什么？", "他们为何非要他预测三年之后的情况？", "流片"),
    ("Lin Junyang told a story about Alibaba's chip team in 2021. What happened?",
     "Why did they want a prediction for three years out?", "流片"),
    ("林俊旸关于阿里芯片团队的那段经历是什么？", "那次的机会为什么没把握住？", "鸡同鸭讲"),
])
def test_a_why_follow_up_in_words_of_its_own_gets_the_reason_it_asks_for(pipeline, first, why, reason):
    # the reason may be in the story's sentence already quoted ("…为什么是三年呢？他说我们需要三年
    # 时间才能流片。"): asked about in the turn's own words, it is quoted again; "那次" points back
    # to the story; a rhetorical question ("这个机会有没有可能再来一次？") is no reason
    _, b = _talk(pipeline, first, why)
    assert b.citations and {c.chunk.speaker for c in b.citations} == {"林俊旸"}
    assert reason in "".join(c.quote for c in b.citations)


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [
    ("唐杰怎么看2025年的DeepSeek？", "还有呢？"),
    ("姚顺雨觉得中国领先的概率有多大？", "他接着说了什么？"),
    ("姚順雨覺得中國領先的機率有多大？", "接下來他談到了什麼？"),
    ("What did Tang Jie say about DeepSeek in early 2025?", "What did he talk about next?"),
])
def test_what_next_quotes_what_the_person_said_after_the_last_answer(pipeline, first, then):
    a, b = _talk(pipeline, first, then)
    lead = a.citations[0]
    assert b.citations and not b.abstained and not _overlap(a, b)
    nxt = b.citations[0]
    # the same person, the same part of the transcript, and later in it than what was quoted
    assert nxt.chunk.speaker == lead.chunk.speaker and nxt.chunk.section == lead.chunk.section
    assert nxt.start >= lead.end
    # nothing of the person's between the two that the conversation has not shown
    units = [u for u in pipeline.tools.evidence.units
             if u.doc_id == lead.chunk.doc_id and lead.end <= u.start < nxt.start
             and u.speaker == lead.chunk.speaker and u.kind != "heading"]
    assert all(any(s <= u.start < e for _, s, e in _spans(a)) or len(u.text.strip()) < 15 for u in units)


@pytest.mark.slow
@pytest.mark.parametrize("first, then, shown", [
    ("唐杰说可验证强化学习难在哪里？", "他举了什么例子？", "网页"),
    ("唐杰说可验证强化学习难在哪里？", "能举个例子吗？", "网页"),
    ("唐傑說可驗證強化學習難在哪裡？", "他舉了什麼例子？", "网页"),
    ("What did Yao Shunyu say about why extra context matters for answers?", "What example did he give?", "吃什么"),
    # the example is in the paragraph before the point it leads to
    ("姚顺雨说To C的应用上什么还是成立的？", "有具体的例子吗？", "ChatGPT Agent"),
])
def test_asking_for_an_example_stays_on_the_point_the_last_answer_made(pipeline, first, then, shown):
    """An example is asked of the claim just quoted: it comes from around that quote (its
    paragraph, the one before or the next), not from what the person said next, and is no
    yes/no answer."""
    a, b = _talk(pipeline, first, then)
    lead = a.citations[0]
    assert b.citations and not b.abstained and not _overlap(a, b)
    assert not b.answer.startswith(("是", "否", "Yes", "No"))
    paras = {u.para for u in pipeline.tools.evidence.units
             if u.doc_id == lead.chunk.doc_id and lead.start <= u.start < lead.end}
    for c in b.citations:
        assert c.chunk.speaker == lead.chunk.speaker and c.chunk.section == lead.chunk.section
        cited = {u.para for u in pipeline.tools.evidence.units if u.doc_id == c.chunk.doc_id and c.start <= u.start < c.end}
        assert cited and min(cited) <= max(paras) + 1 and max(cited) >= min(paras) - 1
    assert any(shown in c.quote for c in b.citations)


@pytest.mark.slow
@pytest.mark.parametrize("first, then, shown", [
    # the summary's quote carried the example unmarked; the talk says "一个很典型的例子是…"
    ("在林俊旸看来，年轻一代敢冒险吗？", "能举个例子吗？", "一个很典型的例子是"),
    # an analogy the quote gave in passing ("就像…"), asked for in either language
    ("Which risk of proactive AI concerns Lin Junyang most?", "他用了什么比喻？", "就像"),
    ("Which risk of proactive AI concerns Lin Junyang most?", "What did he compare it to?", "就像"),
])
def test_an_example_the_last_quote_gave_in_passing_is_the_one_asked_for(pipeline, first, then, shown):
    """Asked for the example (or analogy) when the quote just shown held one without leading
    with it: that example, where the talk marks it as one (a summary quote's original), else as
    quoted; not the person's next sentence."""
    a, b = _talk(pipeline, first, then)
    assert b.citations and not b.abstained and len(b.citations) == 1
    assert shown in b.citations[0].quote and b.citations[0].chunk.speaker == a.citations[0].chunk.speaker


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [("What does Lin Junyang think about the compute gap?", "Did anyone disagree?"),
                                         ("What did Tang Jie say about RLVR?", "Does anyone agree?")])
def test_whether_anyone_disagrees_sets_out_positions_on_the_earlier_topic(pipeline, first, then):
    """Each person's position on what the earlier turn asked, side by side: the earlier person and
    at least one other, each a statement (no question put back), the earlier person's from the
    same talk as before."""
    a, b = _talk(pipeline, first, then)
    assert b.citations and len({c.chunk.speaker for c in b.citations}) >= 2
    assert a.citations[0].chunk.speaker in {c.chunk.speaker for c in b.citations}
    assert not any(c.quote.rstrip("」”\" ").endswith(("？", "?")) for c in b.citations)


@pytest.mark.slow
def test_another_example_is_not_the_one_just_given(pipeline):
    """"还有别的例子吗？" after an answer that led with an example: something else, not it again."""
    a, b, c = _talk(pipeline, "姚顺雨怎么看垂直整合？", "他举了什么例子？", "还有别的例子吗？")
    assert c.citations and not c.abstained and not _overlap(b, c)


@pytest.mark.slow
@pytest.mark.parametrize("first, then, person", [
    ("唐杰说2019年实验室停掉了哪些方向？", "大家转去做什么了？", "唐杰"),
    ("林俊旸怎么看多模态？", "三进三出指什么？", "林俊旸"),
])
def test_a_turn_naming_no_one_is_answered_from_the_person_the_conversation_is_about(pipeline, first, then, person):
    """No name and no pronoun: the turn still goes on about the earlier person (before, it was
    answered from whoever's words came closest: "大家转去做什么了？" from Yao Shunyu)."""
    _, b = _talk(pipeline, first, then)
    assert b.speakers[:1] == (person,) and b.citations and not b.abstained
    assert all(c.chunk.speaker == person for c in b.citations)


@pytest.mark.slow
@pytest.mark.parametrize("question", ["What were the main themes?", "整体来看都讨论了哪些话题？"])
def test_an_overview_asked_mid_conversation_is_not_about_the_earlier_person(pipeline, question):
    """A turn naming no one goes on about the earlier person, unless the model reads it as asking
    for an overview (the plan exemplars): then it is a question of its own."""
    q = pipeline.analyze(question, ["唐杰怎么看RLVR？"])
    assert q.speakers == () and not q.followup


@pytest.mark.slow
def test_what_about_x_after_a_why_turn_replaces_part_of_the_question_before_the_why(pipeline):
    """"那X呢？" after "为什么？" stands for a part of what was asked before the why, as "那<person>呢？" does."""
    q = pipeline.analyze("那To C用户呢？", ["姚顺雨说对To B来说智能越高意味着什么？", "为什么？"])
    assert "To C" in q.rewritten and "To B" not in q.rewritten and "为什么" not in q.rewritten


@pytest.mark.slow
@pytest.mark.parametrize("first, about, declined, speaker", [
    ("姚顺雨怎么看Cursor用用户数据学习？", "那唐杰呢？", "文字稿里唐杰没有谈到", "姚顺雨"),
])
def test_a_topic_only_the_earlier_person_spoke_to_is_declined_for_the_next_one_named(
        pipeline, first, about, declined, speaker):
    """"那X呢？" after a question on words only the earlier person said, most of it: X holding half
    as much of its common words as the others is no sign X spoke to it (was: X's lines on other
    things quoted as the answer)."""
    _, b = _talk(pipeline, first, about)
    assert b.abstained and b.answer.startswith(declined) and speaker in b.answer


@pytest.mark.slow
def test_why_of_a_claim_just_quoted_in_the_turns_own_words_is_the_reason_inside_it(pipeline):
    """"他为什么说X？" in words of its own, X the sentence just quoted, which gives its own reason
    ("…有限，…赶不上…，所以…决定智能上限"): that sentence, not other lines of the person's."""
    _, b = _talk(pipeline, "杨植麟说智能的上限由什么决定？", "他为什么说Token efficiency决定上限？")
    assert b.citations and all("数据" in c.quote for c in b.citations)


@pytest.mark.slow
def test_why_of_a_claim_just_quoted_is_the_reason_right_after_it_even_if_shown(pipeline):
    """The reason right after the claim was shown with it (a sentence of 因为 after it): asked why,
    it is the answer, quoted again (was: the claim again)."""
    _, b = _talk(pipeline, "唐杰怎么评价DeepSeek的出现？", "他为什么觉得这个叫法挺合适？")
    assert b.citations and "没有料到" in b.citations[0].quote


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [("Does Lin Junyang think China will lead?", "What odds did he give?"),
                                         ("林俊旸觉得中国能领先吗？", "他估计中国领先的机率是多少来着？三五年内那个")])
def test_odds_asked_of_the_person_just_quoted_are_the_percentage_they_gave(pipeline, first, then):
    """A rate ("odds", "概率") is measured by a percentage: the person's sentence giving one is the
    answer, though a sentence of theirs with another figure ranks above it (was: "the top five"
    models, or the words after "多少来着，" taken for what was counted and the figure declined)."""
    _, b = _talk(pipeline, first, then)
    assert not b.abstained and "20%" in b.citations[0].quote and b.speakers[:1] == ("林俊旸",)


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [
    ("Is compute the main bottleneck for Chinese labs?", "Who said so?"),
    ("What is the compute gap between China and the US according to the panel?", "Who said that?"),
    ("中国的算力瓶颈在哪？", "这是谁说的？"),
])
def test_who_said_that_is_who_said_what_the_last_answer_quoted(pipeline, first, then):
    """A who-turn asking nothing of its own is about the quote just shown: its speaker, with it
    (was: the earlier question asked again, which found someone else's line)."""
    a, b = _talk(pipeline, first, then)
    assert b.speakers[:1] == (a.citations[0].chunk.speaker,) and _overlap(a, b)


@pytest.mark.slow
@pytest.mark.parametrize("first, then", [("Who talked about leaderboards?", "Who else?"), ("谁谈到了刷榜？", "还有谁？")])
def test_who_else_is_someone_other_than_the_person_just_named(pipeline, first, then):
    a, b = _talk(pipeline, first, then)
    assert a.speakers and b.speakers and b.speakers[0] != a.speakers[0]
