"""The answer's own words, per language, in one place. Traditional Chinese is the simplified
wording converted (OpenCC s2twp); quotes are never converted."""
from __future__ import annotations

from functools import lru_cache

import opencc

TEMPLATES = {
    "zh": {
        "said": "{name}：「{quote}」{cite}",
        "reported": "据文章转述，{name}：「{quote}」{cite}",
        "article": "文章写道：「{quote}」{cite}",
        "asked": "{name}问道：「{quote}」{cite}",
        "bullet": "- {line}",
        "who": "这是{name}说的。",
        "who_article": "这是文章本身的叙述。",
        "roster": "文字稿中发言的人（按出场顺序）：",
        "roster_count": "文字稿中共有{n}人发言（按出场顺序）：",
        "identity": "{name}：",
        "identity_role": "{name}（{role}）：",
        "yes": "是。",
        "no": "否。",
        "why": "{name}给出的理由：",
        "point": "{name}想说明的是：",
        "summary": "{name}的主要观点（按原文顺序）：",
        "summary_all": "主要内容（按原文顺序）：",
        "positions": "在这个问题上，各人的说法：",
        "not_given": "文字稿没有给出{detail}。",
        "not_given_context": "关于这个话题，文字稿中说：",
        "not_said": "文字稿里{name}没有谈到这一点。",
        "not_said_other": "谈到这一点的是{other}：",
        "not_said_above": "谈到这一点的是{other}，见上文所引。",
        "only_asked": "{name}只是提出了这个问题，没有给出自己的判断。",
        "only_asked_other": "文字稿中相关的内容：",
        "only_asked_above": "谈到这一点的是{other}，见上文所引。",
        "off_topic": "文字稿中没有谈到这个问题，无法根据文字稿回答。",
        "unknown": "文字稿中没有提到{names}，无法根据文字稿回答。",
        "empty": "请输入一个关于文字稿内容的问题。",
        "or": "、",
        "detail": {"number": "具体数字", "month": "具体月份", "day": "具体日期", "date": "具体时间",
                   "place": "具体地点", "name": "具体名称", "person": "具体人名", "choice": "具体是哪一种"},
    },
    "en": {
        "said": "{name} said: 「{quote}」 {cite}",
        "reported": "According to the article's summary, {name}: 「{quote}」 {cite}",
        "article": "The article itself says: 「{quote}」 {cite}",
        "asked": "{name} asked: 「{quote}」 {cite}",
        "said_translated": "{name} said: “{quote}” (translated) {cite}",
        "reported_translated": "According to the article's summary, {name}: “{quote}” (translated) {cite}",
        "article_translated": "The article itself says: “{quote}” (translated) {cite}",
        "asked_translated": "{name} asked: “{quote}” (translated) {cite}",
        "bullet": "- {line}",
        "who": "That was {name}.",
        "who_article": "That is the article's own statement.",
        "roster": "The people who speak in the transcript, in order of appearance:",
        "roster_count": "{n} people speak in the transcript, in order of appearance:",
        "identity": "{name}:",
        "identity_role": "{name}, {role}:",
        "yes": "Yes.",
        "no": "No.",
        "why": "The reason {name} gave:",
        "point": "The point {name} made:",
        "summary": "{name}'s main points, in the order of the transcript:",
        "summary_all": "The main points, in the order of the transcript:",
        "positions": "Where each speaker stands on this:",
        "not_given": "The transcript does not give {detail}.",
        "not_given_context": " What it says on the topic:",
        "not_said": "In the transcript, {name} did not talk about this.",
        "not_said_other": " {other} did:",
        "not_said_above": " {other} did, as quoted above.",
        "only_asked": "{name} only asked this question; he gave no view of his own.",
        "only_asked_other": " What the transcript says on it:",
        "only_asked_above": " {other} spoke to it, as quoted above.",
        "off_topic": "The transcript does not cover this question, so I can't answer it from the transcript.",
        "unknown": "The transcript never mentions {names}, so I can't answer this from the transcript.",
        "empty": "Please type a question about the transcript.",
        "or": " or ",
        "detail": {"number": "that figure", "month": "that month", "day": "that date", "date": "that date",
                   "place": "that place", "name": "that name", "person": "that person's name",
                   "choice": "which of the two it is"},
    },
}
MAX_ECHOED_NAME = 24   # a name from the question longer than this is not repeated back
MAX_ECHOED_NAMES = 3   # more unknown names than this get the general decline


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2twp")


def in_script(text: str, lang: str) -> str:
    """The composer's own words in the user's script; quotes are never converted."""
    return _s2t().convert(text) if lang == "zh-hant" else text


def say(lang: str, key: str, **values) -> str:
    """A template of the user's language, filled and in the user's script."""
    table = TEMPLATES["en" if lang == "en" else "zh"]
    text = in_script(table[key], lang).format(**values)   # converted before filling: quotes stay verbatim
    # a line opening on a value starts a sentence too ("the article's main points" -> "The …")
    return text[:1].upper() + text[1:] if lang == "en" and table[key].startswith("{") else text


def detail_name(lang: str, detail: str) -> str:
    return in_script(TEMPLATES["en" if lang == "en" else "zh"]["detail"][detail], lang)


def joined(lang: str, names: list[str]) -> str:
    return TEMPLATES["en" if lang == "en" else "zh"]["or"].join(names)


def echoable(names: list[str] | tuple[str, ...]) -> bool:
    """Whether a decline may repeat these names from the question: a few short plain names
    (letters, digits, spaces, hyphens; a dot only inside a number, as in Qwen3.5). Anything
    else (a web address, a long run of text) is never echoed back to the user."""
    def plain(name: str) -> bool:
        return all(ch.isalnum() or ch in " -" or (ch == "." and 0 < k < len(name) - 1
                                                  and name[k - 1].isdigit() and name[k + 1].isdigit())
                   for k, ch in enumerate(name))
    return 0 < len(names) <= MAX_ECHOED_NAMES and all(len(n) <= MAX_ECHOED_NAME and plain(n) for n in names)
