"""Reading what a question asks from its form (rag/data/question_forms.json): no model needed."""
import pytest

from rag.forms import Form, Forms, has_cue


@pytest.fixture(scope="module")
def forms():
    return Forms.load()


@pytest.mark.parametrize("question, form", [
    ("总结一下林俊旸的演讲", Form("summary")),
    ("What were Tang Jie's main points?", Form("summary")),
    ("圆桌讨论了哪些主题", Form("summary")),
    ("唐杰认为中国能在新范式上领先吗", Form("yesno")),
    ("Does Lin Junyang think China will lead?", Form("yesno")),
    ("林俊旸说以前大家都理解他们为什么要做小模型吗？", Form("yesno")),   # a 吗-question, whatever it holds
    ("为什么林俊旸说中国领先的概率只有20%？", Form("why")),
    ("Why did Yao Shunyu say that?", Form("why")),
    ("唐杰和林俊旸在开源上看法有何不同？", Form("disagreement")),
    ("Did the panelists agree on open source?", Form("disagreement")),
    ("Compare how Tang Jie and Yang Zhilin see agents", Form("compare")),
    ("What did the speakers say about agents?", Form("compare")),   # several people's positions
    ("各位嘉宾怎么看开源？", Form("compare")),
    ("每位专家怎么看开源？", Form("compare")),   # 位 counts people, whoever they are
    ("诸位老师对算力的看法是什么？", Form("compare")),
    ("What did the participants say about agents?", Form("compare")),
    ("对于港口扩建，几位与会者都讲了什么？", Form("compare")),   # 与会者 are "the participants"
    ("How did the guests see open source?", Form("compare")),
    ("为什么姚顺雨觉得To B比To C更看重智能？", Form("why")),          # a why-question asks for reasons,
    ("Why does Yao Shunyu prefer open models versus closed ones?", Form("why")),   # whatever it compares
    ("林俊旸说千问到现在一共开源了多少个模型？", Form("", "number", "模型")),
    ("How many parameters does the model have?", Form("", "number", "parameters")),
    ("他们用多大的模型做实验？", Form("", "number")),      # a size: "3到4B的" answers it, counting nothing
    ("他们团队有多少人？", Form("", "number", "人")),     # the measure word is what is counted
    ("这个模型的参数量是多少？", Form("", "number", "参数量")),   # what is measured, linked to the cue before it
    ("新服务的价格大概是多少？", Form("", "number", "价格")),
    ("他们比对手领先多少？", Form("", "number")),          # no link: 多少 measures the verb, not 对手
    ("这次会议开了多长时间？", Form("", "number")),     # a duration: "两个月" names no 时间
    ("他们一共有多少呢？", Form("", "number")),          # linked, but no 的-noun: nothing named
    ("那家公司成立以后营收有多少？", Form("", "number", "营收")),   # no 的: the noun ending the clause
    ("这个项目开源以后星标数有多少？", Form("", "number", "星标数")),
    ("这个机器人一次能走多少步的楼梯？", Form("", "number", "步")),   # the measure word before 的, not "步的"
    ("唐杰讲了很多长期的挑战，具体是哪些？", Form()),      # 很多长期 is no 多长
    ("And what figure did they report?", Form("", "number")),   # no noun: "did" is a verb
    ("Did the lab give figures for its revenue?", Form("yesno", "number")),   # no noun: "for"
    ("他们有没有给出具体数字？", Form("yesno", "number")),
    ("Did the survey give a percentage as well?", Form("yesno", "number")),   # "a figure", "a number" too
    ("智谱什么时候上市？", Form("", "date")),
    ("智谱是几月份发布的新模型？", Form("", "month")),
    ("In which month did the lab open?", Form("", "month")),
    ("那次会议是哪一天开的？", Form("", "day")),
    ("On what date did the lab open?", Form("", "day")),
    ("那次会议是在哪一天开的？", Form("", "day")),                       # "在哪一天" asks for no place
    ("那次会议在哪个城市开的？是哪一天？", Form("", "day", also=("place",))),
    ("Which city was it in, and how much did it cost?", Form("", "number", also=("place",))),
    ("会议是几月几号开的？", Form("", "month")),                          # one date, not two details
    ("Where was the meeting held?", Form("", "place")),
    ("When did the company go public?", Form("", "date")),
    ("When he said that, how did the host press him?", Form()),          # "when" opening a clause asks no date
    ("Where the two disagree, what does each say?", Form("disagreement")),  # nor "where" a place
    ("And what figure did he give?", Form("", "number")),                 # "did" is not what is counted
    ("By what factor did the optimizer improve efficiency?", Form("", "number")),
    ("How likely is it that a Chinese team leads?", Form("", "number")),
    ("唐杰怎么看开源？", Form()),
    ("What does Yao Shunyu think about benchmarks?", Form()),
    ("他讲那个故事是想说明什么？", Form("why", purpose=True)),            # what a remark was meant to show
    ("What point was she making with that anecdote?", Form("why", purpose=True)),
    ("他说明了什么问题？", Form()),                        # 说明了 states, it does not ask the purpose
    ("Can you give an example?", Form()),                  # a request to the assistant, not a yes/no question
    ("能给我举个例子吗？", Form()),
    ("能说说这家公司为什么裁员吗？", Form("why")),        # a doubled verb of telling asks to be told
    ("可以讲讲她对远程办公的看法吗？", Form()),
    ("能不能解释一下这个新政策？", Form()),               # softened by 一下: told, not yes/no
    ("他有没有说过要涨价？", Form("yesno")),               # 说过: asked whether he said it
    ("Could you give me a rundown of her talk?", Form("summary")),
    ("Can smaller labs still catch up?", Form("yesno")),    # "can" not asked of the assistant
    ("Do the two speakers see eye to eye on open source?", Form("disagreement")),
    ("她一开始是反对这个方案的，对吧？", Form("yesno")),      # a tag after a statement asks yes or no
    ("这家公司后来还是上市了，是不是？", Form("yesno")),
    ("两位创始人对融资节奏的判断有啥不一样？", Form("compare")),
    ("帮我整理一下这位CEO在发布会上讲的产品路线。", Form("summary")),   # 整理一下: put it together for me
    ("那位市长在座谈会上主要谈了什么？", Form("summary")),   # what she mainly spoke about: her main points
    ("这位教练赛后是怎么复盘的？帮我捋一捋", Form("summary")),   # 捋一捋: sort it out for me
    ("院长对医保改革怎么看？用几句话说说", Form("summary")),     # in a few sentences: not a count
    ("概述一下那位农学家的报告", Form("summary")),
    ("帮我提炼一下船长的发言", Form("summary")),
    ("她那场讲座的大意是什么？", Form("summary")),
    ("Outline the mayor's speech on housing", Form("summary")),
    ("In a nutshell, what did the coach say?", Form("summary")),
    ("tl;dr of the energy panel?", Form("summary")),
    ("Boil down what the surgeon said about waiting lists", Form("summary")),
    ("What were the key messages of the retail panel?", Form("summary")),
    ("Walk me through the economist's argument", Form("summary")),
    ("What were the main topics of the farming session?", Form("summary")),
    ("两位校长对招生改革的说法有没有出入？", Form("disagreement")),   # 出入: where accounts differ
    ("船东和港务局对运费上涨的说法对得上吗？", Form("disagreement")),
    # 还是 in a why-question is "still", not "A or B": it asks for a reason, no choice
    ("她本来反对，为什么最后还是签了合同？", Form("why")),
    # a detail pointed back to ("这个数字") is not one asked for; asked whether one was given, it is
    ("财政部长认可这个数字吗？", Form("yesno")),
    ("工会接受那些数字吗？", Form("yesno")),
    ("财政部长给出具体数字了吗？", Form("yesno", "number")),
])
def test_the_form_of_a_question(forms, question, form):
    assert forms.read(question) == form


@pytest.mark.parametrize("question, noun", [
    ("What overall rating did the new phone receive?", "rating"),   # the noun before the verb
    ("Which final position did the rowing crew reach?", "position"),
    ("How many open source models have they released?", "models"),
    ("What figure did the chairman quote?", ""),          # the cue's own noun asks for any figure
    ("What was the rating of the phone?", ""),            # a verb right after the cue: no noun there
    ("How many of the bikes were sold?", ""),
    # no auxiliary after it: the run of words ends with the main verb, and the noun is before it
    ("How many farmers joined the cooperative?", "farmers"),
    ("What monthly fees separate the two plans?", "fees"),
    ("How many people spoke?", "people"),
    ("How many model parameters?", "parameters"),          # no verb: the plural, not its modifier
    ("How many daily active users?", "users"),
    ("How many researchers left the lab?", "researchers"),
    # a rate or a share is what is asked, though the cue names it: a percentage measures it
    ("What odds did the bookmakers give?", "odds"),
    ("What percentage of the budget went to schools?", "percentage"),
    ("What chance did the coach give his team?", "chance"),
    ("What figure did the coach give?", ""),
    ("What score did the team reach in the final?", "score"),   # a score or a price is what is measured
    ("What price did the shop put on the bike?", "price"),
    ("By what factor did sales grow?", ""),                   # the factor is the figure itself
])
def test_the_noun_an_english_question_asks_a_figure_of(forms, question, noun):
    assert forms.asked_noun(question) == noun


@pytest.mark.parametrize("question, noun", [
    ("新水库的蓄水容量有多大？", "蓄水容量"),   # a measuring cue ending the question: the noun before it
    ("那座桥的主跨有多长？", "主跨"),
    ("多大的仓库才够用？", ""),                 # before a noun it asks for any figure of it
    ("这批货的运费是多少？", "运费"),
    ("去年的增长率到底多少来着，说的是第三季度", "增长率"),   # the cue's clause ends at the comma
    ("有多少个仓库来着？", "仓库"),
])
def test_the_noun_a_chinese_question_asks_a_figure_of(forms, question, noun):
    assert forms.asked_noun(question) == noun


# 几 and a measure word asks how many, as "how many" does: a count the exemplars cannot tell from
# a date ("几年") or a person ("几个教练"), so it is certain whatever they say
@pytest.mark.parametrize("question, noun", [
    ("那家银行的客服团队有几个人？", "人"),
    ("他在那所学校工作了几年？", "年"),         # a span of years, not which year
    ("这次展会要办几天？", "天"),
    ("新系统一共分了几个模块？", "模块"),
    ("他说的是几年之后？", "年"),               # 之后 is a word of time, not what is counted
])
def test_ji_and_a_measure_word_asks_for_a_count(forms, question, noun):
    form = forms.read(question)
    assert (form.detail, form.noun) == ("number", noun)
    assert forms.certain("number", question)


@pytest.mark.parametrize("question, detail", [
    ("这几年行业变化大吗？", ""),                 # these few years
    ("前几年他们怎么做的？", ""),
    ("几位嘉宾分别说了什么？", ""),               # several people, beside another interrogative
    ("这本书讲了几个道理，第一个是啥？", ""),       # the colloquial 啥 (what) asks what the first one is
    ("几家公司咋合作的？", ""),                   # and 咋 (how)
    ("他几乎每天都加班吗？", ""),                 # 几乎 is no numeral
    ("新品是几月几号发布的？", "month"),          # a month and a day, not a count
])
def test_ji_that_asks_no_count(forms, question, detail):
    assert forms.read(question).detail == detail
    assert not forms.asks_count(question)


def test_a_purpose_counts_only_where_the_turn_itself_asks_it(forms):
    # "那To B呢？" resolved with the earlier "这个例子想说明什么？" asks for a view, not a purpose
    assert forms.read("这个例子对To B想说明什么？", own="那To B呢？") == Form()
    assert forms.read("这个例子想说明什么？", own="这个例子想说明什么？") == Form("why", purpose=True)
    assert forms.read("为什么To B更难？", own="那To B呢？") == Form("why")   # a why carries over


def test_certain_cues_ask_for_their_detail(forms):
    assert forms.certain("number", "how many parameters does it have?")
    assert not forms.certain("number", "how much does it matter?")   # may ask for no figure: the exemplars decide
    assert not forms.certain("place", "难点在哪？")


def test_english_cues_match_whole_words_only(forms):
    assert has_cue("Why not?", ["why"]) and not has_cue("Whyte said so", ["why"])
    assert not forms.asks_yes_or_no("Isabel talked about agents")      # "is" inside a word


@pytest.mark.parametrize("question, yes_or_no", [
    # an English question asks yes or no by the auxiliary its clause opens with, not by the first word
    ("Was she joking when she called it a dead end?", True),
    ("Did the team agree at once when the plan was put to them?", True),
    ("So in her view are the two markets drifting apart?", True),
    ("And is that still true today?", True),
    ("Is the U.S. ahead?", True),
    ("When did she say that?", False),
    ("What did he say when he was asked?", False),
    ("In which year was it released?", False),
    # the question's own sentence decides, not a statement before it
    ("She said the bet may not pay off. So what did she propose instead?", False),
    ("He said what he thought. Was he right?", True),
    # a question word inside a word that asks nothing ("没什么" little, "哪怕" even if) leaves it one
    ("这家银行是不是觉得两个市场没什么区别了？", True),
    ("哪怕预算不够，他们是不是也要开这家店？", True),
    ("两个市场有什么区别？", False),
    # a question and then a request for an example asks the question, with one
    ("她后来建议团队怎么改？有例子吗", False),
    ("她说了什么？是真的吗？", True),
])
def test_yes_or_no_by_the_clause_opening(forms, question, yes_or_no):
    assert forms.asks_yes_or_no(question) == yes_or_no


@pytest.mark.parametrize("sentence, count", [
    ("我觉得不太可能，差距可能还在拉大", 1), ("这两者有很大的不同", 0), ("未来会更好", 0),
    ("没有人能做到", 1), ("It is not likely", 1), ("They don't think so", 1), ("是不是这样", 0)])
def test_negations(forms, sentence, count):
    assert forms.negations(sentence) == count


@pytest.mark.parametrize("kind, sentence, holds", [
    ("number", "我觉得是20%吧", True), ("number", "花了三个月", True), ("number", "这个很重要", False),
    ("date", "2023年8月3日开始", True), ("date", "我们很早就开始了", False), ("date", "去年发布的", True),
    ("name", "用了Claude Code来写", True), ("place", "在北京开会", True)])
def test_whether_a_sentence_gives_a_detail(forms, kind, sentence, holds):
    assert forms.holds(kind, sentence) is holds


@pytest.mark.parametrize("kind, sentence, asked, holds", [
    ("number", "Claude已经写了这个项目95%的程式码", "Claude写了95%代码的那个项目叫什么名字？", False),
    ("number", "Claude已经写了这个项目95%的程式码", "Claude写了多少代码？", True),
    ("name", "Claude已经写了这个项目95%的程式码", "Claude写的那个项目叫什么名字？", False),
    ("name", "ChatGPT在利用用户数据学习聊天风格", "Claude写的那个项目叫什么名字？", True),
    ("date", "2025年初DeepSeek出来", "in which year did deepseek come out?", True),
    ("date", "我们大概在7月28号做了一件事情", "7月28号做成的那个模型是哪天发布的？", False)])
def test_a_detail_the_question_already_states_is_not_given(forms, kind, sentence, asked, holds):
    assert forms.holds(kind, sentence, asked) is holds


def test_the_details_a_sentence_states(forms):
    assert forms.details("number", "如果1.8B开源出去，95%的同学有两三个机会") == ["1.8B", "95%", "三个"]
    assert forms.details("date", "2023年8月3日开始") == ["2023", "8", "3"]
    assert forms.details("name", "用了Claude Code和Qwen3.5来写")[:3] == ["Claude", "Code", "Qwen3.5"]


@pytest.mark.parametrize("question, choices", [
    ("他说的预算是人民币还是美元？", ("人民币", "美元")),
    ("开源还是闭源？", ("开源", "闭源")),
    ("他还是认为开源更好吗？", ()),      # a 吗-question: 还是 is "still"
    ("他们后来咋还是发布了？", ()),      # after an interrogative in its clause: "still"
    ("那家公司怎么还是亏损", ()),
    ("他们为什么最后还是选择了合作？", ()),
    ("还是说，他选的是开源还是闭源？", ("开源", "闭源")),   # a 还是 with nothing before it sets nothing against
    ("这样做为了什么，是开源还是闭源？", ("开源", "闭源")),   # the interrogative is in another clause
    ("Is it in yuan or dollars?", ()),   # no English cue: "or" joins too much else
])
def test_an_alternative_question_sets_two_words_against_each_other(forms, question, choices):
    form = forms.read(question)
    assert form.choices == choices and (form.detail == "choice") is bool(choices)


def test_a_month_is_digits_before_月_or_a_months_name_and_it_is_a_date_too(forms):
    assert forms.details("month", "我们大概在7月28号做了一件事情") == ["7"]
    assert forms.details("month", "2025年初DeepSeek出来") == []        # early in the year: no month
    assert forms.holds("date", "2025年初DeepSeek出来", "in which year did it come out?")
    assert forms.holds("date", "It came out in July", "when did it come out?")


def test_a_day_is_digits_before_日_or_号_and_a_year_alone_gives_none(forms):
    assert forms.details("day", "我们大概在7月28号做了一件事情") == ["28"]
    assert forms.details("day", "2023年8月3日开始做开源") == ["3"]
    assert not forms.holds("day", "我突然想起2019年，这个PPT原来真的是跟阿里巴巴合作的时候", "会议是哪一天开的？")
    assert forms.holds("date", "我突然想起2019年，这个PPT原来真的是跟阿里巴巴合作的时候", "会议是哪一年开的？")


def test_a_percentage_measures_a_rate_or_a_share(forms):
    assert forms.counts("我觉得是20%吧，已经非常乐观了", "概率")
    assert forms.counts("研发人员大概占30%", "比例")
    assert not forms.counts("机率没那么大，但真的有可能", "机率")        # no figure at all
    assert not forms.counts("营收增长了20%", "员工")                      # a count is no rate
    assert forms.counts("大概是20%吧，不算低", "odds")                    # named in English
    assert forms.counts("一张票是80美元", "price") and not forms.counts("一共卖了80张票", "price")
    assert not forms.counts("前五名中的模型几乎全部来自中国", "odds")


def test_a_date_is_not_a_quantity_nor_is_the_article_一个(forms):
    """"2019年" dates and "一个" is an article: neither answers "多少…？"; "一万" and "两个" count."""
    assert forms.details("number", "2019年，我们把这两个方向暂停了") == ["两个"]
    assert forms.details("number", "这个模型在2023年几乎是一个不可用的状态") == []
    assert forms.details("number", "我们大概在7月28号做了一件事情") == []
    assert forms.details("number", "原来工业界有一万片卡，学校是0片") == ["0", "一万"]
    assert forms.details("number", "3年之后") == ["3"]                 # a duration, not a year


@pytest.mark.parametrize("sentence, noun, counts", [
    ("但如果你是一个10万人的公司", "人", True),                        # 人 is the measure word of 10万
    ("当时我们坚定地把这两个方向暂停了，所有的人都转向做大模型", "人", False),   # 两个 counts 方向
    ("可完成两三百步工具调用", "步", True),
    ("能不能给我们干一个3到4B的模型", "模型", True),
    ("Cursor每几个小时都会用最新用户数据学习", "用户", False),           # 几个 counts 小时
    ("它的价格是200美元一个月", "价格", True),                            # the noun just before the figure
    ("模型参数达到1万亿", "参数量", True),                              # two characters of a longer noun
    ("可完成两三百步工具调用", "参数量", False),
    ("很多人用了三个月", "人", False),                                   # 人 before 三个月 counts nothing
    # a sum of money measures what money is asked as ("多少钱", "年薪多少"), wherever it stands
    ("一个模型是200美元/月，差一些的是50美元/月", "钱", True),
    ("他一年能拿30万美元", "年薪", True),
    ("有人花了$20订阅", "钱", True),
    ("每天要做10个任务", "钱", False),                                   # a count of tasks is no sum
    ("大概有200人用过", "成本", False),
])
def test_a_figure_counts_the_noun_that_follows_it(forms, sentence, noun, counts):
    assert forms.counts(sentence, noun) is counts


@pytest.mark.parametrize("question, asks", [
    ("那台相机是什么型号？", True), ("Which one did he pick?", True), ("他们用了多长时间？", True),
    ("唐杰怎么看开源？", False), ("Why did he say that?", False), ("那创业公司呢？", False)])
def test_an_interrogative_asking_for_a_thing(forms, question, asks):
    assert forms.asks_for_a_thing(question) is asks


def test_a_persons_name_is_not_any_name(forms):
    sentence = "他们找我说能不能预测一下三年之后这个模型是不是Transformer"
    assert forms.details("name", sentence) == ["Transformer"] and forms.details("person", sentence) == []


@pytest.mark.parametrize("question, count", [
    ("Isn't it true that the model is fast?", 0),
    ("Doesn't he think so?", 0),
    ("Did he say it isn't fast?", 1),
    ("Didn't he say it isn't fast?", 1),
    ("他不后悔吗？", 1),
    ("Is it fast?", 0),
])
def test_a_negative_auxiliary_opening_an_english_question_is_not_what_it_asks(forms, question, count):
    assert forms.asked_negations(question) == count


@pytest.mark.parametrize("asked, sentence, other", [
    ("他给的概率是30%吗？", "我觉得是20%吧，20%已经非常乐观了。", True),
    ("Did he say it is 3 to 4 orders of magnitude larger?", "整体比我们大1-2个数量级。", True),
    ("带来了三倍的提升吗？", "带来两倍的提升。", True),
    ("是在2021年转向的吗？", "2019年，我们坚定地转向。", True),
    ("带来了2倍的提升吗？", "带来两倍的提升。", False),          # a numeral and digits of one value
    ("概率是20%吗？", "我觉得是20%吧。", False),
    ("三到五年后的概率是30%吗？", "三到五年后，概率大概20%。", True),   # the context agrees, the claim does not
    ("三到五年后有可能吗？", "三到五年后，有可能。", False),
    ("他觉得容易吗？", "这个容易，7B太大。", False),          # the sentence's figure answers nothing asked
    ("是几个方向？", "有两个方向。", False),                   # a vague figure states no value
    # a percentage is what is asked: a sentence not giving it does not confirm it
    ("她说概率是30%，对吗？", "我觉得概率还挺高的。", True),
    ("Did she put the chance at 30%?", "我还是挺乐观的。", True),
])
def test_a_sentence_giving_other_figures_than_the_question_states(forms, asked, sentence, other):
    assert forms.other_figures(asked, sentence) is other


@pytest.mark.parametrize("sentence, turns", [
    ("其实可能真正的答案是差距还在拉大。", True), ("但对于toB，智能越高代表生产力越高。", True),
    ("But the real answer is that the gap is widening.", True), ("「不过这件事没那么简单。", True),
    ("我觉得差距还在拉大。", False), ("Butter prices rose.", False), ("他说但是没有用。", False),
])
def test_a_sentence_turning_against_the_one_before(forms, sentence, turns):
    assert forms.turns_against(sentence) == turns


def test_a_figure_the_question_states_does_not_count_what_it_asks_about(forms):
    """"去年卖出3万台车，今年卖出多少台车？": the 3万 beside 台车 is the question's own context."""
    sentence = "去年卖出3万台车，今年还在统计。"
    assert forms.counts(sentence, "车")                                      # alone, 3万 counts cars
    assert not forms.counts(sentence, "车", "去年卖出3万台车，今年卖出多少台车？")
    assert forms.counts("去年卖出3万台车，今年卖出5万台车。", "车", "去年卖出3万台车，今年卖出多少台车？")


@pytest.mark.parametrize("question, asks", [("圆桌上谁追问了研究文化的差异？", True), ("主持人问了林俊旸什么？", True),
                                            ("谁说Agent落地要看能不能解决有价值的问题？", False),
                                            ("是谁认为DeepSeek问世之后Chat就解决了？", False),
                                            ("Who asked the panel about the odds?", True),
                                            ("Which question did Li Guangmi put to Yao Shunyu?", True),
                                            ("Who said the problem is solved?", False),
                                            # a verb of putting in the noun's clause asks what was asked
                                            ("主持人提的第一个问题是什么？", True), ("这个问题谁提的？", True),
                                            ("会上抛出的核心问题是什么？", True),
                                            ("他提到的问题指什么？", False), ("她怎么看这个问题？", False)])
def test_a_question_about_asking_is_told_from_one_about_a_problem(question, asks):
    """"问" asks; "问题" (a problem) and "问世" (a debut) hold it and do not."""
    assert Forms.load().asks_about_asking(question) == asks


def test_a_figure_filling_the_slot_the_question_leaves_counts_what_it_asks():
    """"烧掉多少钱？" and "烧掉3亿": the question's word before its counting cue comes right before
    the figure, so the figure is the amount asked for, although 钱 is not written after it."""
    forms = Forms.load()
    assert forms.counts("这个项目前后烧掉3亿才跑通。", "钱", "他们为了跑通烧掉多少钱？")
    assert not forms.counts("团队里有300个工程师。", "钱", "他们烧掉多少钱？")
    assert not forms.counts("这个项目前后烧掉3亿才跑通。", "钱", "他们的估值是多少钱？")   # a link word (是) is no slot


@pytest.mark.parametrize("question, asks", [
    ("记者问她对裁员的看法，她怎么回答的？", True),
    ("How did the mayor respond to the criticism?", True),
    ("What did the coach reply?", True),
    ("主持人请她先回答预算问题时，提到了什么？", False),   # an answer named in a clause, not asked about
    ("Did he answer the question?", False),
])
def test_whether_a_question_asks_how_someone_answered(forms, question, asks):
    assert (forms.reply_at(question) is not None) is asks


@pytest.mark.parametrize("sentence, figures", [
    ("他们每几个小时就更新一次模型。", []),          # a few hours: no figure
    ("他们每三个小时就更新一次模型。", ["三个"]),
    ("这个过程花了十几个月。", ["十几个"]),           # after a numeral 几 is part of the figure
])
def test_a_vague_numeral_gives_no_figure(forms, sentence, figures):
    assert forms.details("number", sentence) == figures


@pytest.mark.parametrize("sentence, points", [
    ("这是我们在零售上的思考。", True), ("That's how we see retail.", True), ("「这就是原因。", True),
    ("这个市场很大。", False), ("Thatcher spoke next.", False), ("我觉得这是对的。", False),
])
def test_a_sentence_pointing_back_at_what_was_just_said(forms, sentence, points):
    assert forms.points_back(sentence) == points
