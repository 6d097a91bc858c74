"""Query analysis: language and script, speakers named by any alias, who-questions, and
follow-ups resolved against the earlier turns of the conversation (no LLM)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.records import EDITOR
from index.speakers import Speakers
from index.tokens import to_simplified

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_WHO = re.compile(r"(谁|哪位|哪一位|哪个人|哪个嘉宾|哪位嘉宾|^\s*who\b|\bwho\s+(said|says|thinks?|argued|"
                  r"believes?|described|mentioned|talked|spoke|made|gave|compared|warned|used|told|"
                  r"put|estimated|was|is)\b|which (speaker|person|panelist|panellist|guest|one of))", re.I)
_PRONOUN_ZH = re.compile(r"他|她|此人|这位")
_PRONOUN_EN = re.compile(r"\b(he|she|him|his|her|hers|this speaker|that speaker)\b", re.I)
# "那唐杰呢？" / "What about Tang Jie?" / "And Lin Junyang?": a new speaker, the earlier topic.
_ABOUT = re.compile(r"^\s*(那|那么|还有|而)?\s*(?P<rest>.{1,12}?)\s*(呢|怎么看|的看法呢|怎么说)\s*[？?。]*\s*$"
                    r"|^\s*(and|what about|how about)\s+(?P<rest_en>.{1,30}?)\s*[?？.]*\s*$", re.I)
_ARTICLE = re.compile(r"(文章|本文|这篇|报道|编者|作者|the article|the author|the editor|the piece|the report)", re.I)


@dataclass(frozen=True)
class Query:
    text: str               # the question as asked (cleaned, possibly truncated)
    lang: str               # "zh", "zh-hant" or "en"
    speakers: tuple[str, ...]  # canonical names the question (or its context) points at
    topic: str              # what it is about, speaker mentions removed, in simplified script
    rewritten: str          # the question with its follow-up context made explicit
    asks_who: bool
    followup: bool = False
    truncated: bool = False
    focus: str = ""         # what this turn itself asks (a follow-up's topic adds the earlier one)


def clean(question: str) -> str:
    """Drop control, format (zero-width, bidi), private and unassigned characters and lone
    surrogates; collapse whitespace. A pasted "唐\u200b杰" is 唐杰."""
    out = []
    for ch in question:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\n\t":
            continue
        out.append(ch)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def detect_lang(text: str) -> str:
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk == 0 or latin > 3 * cjk:
        return "en"
    return "zh-hant" if to_simplified(text) != text else "zh"


_EDITOR_VOICE = re.compile(r"(介绍|开头|标题|结论|总结|概括|导语|introduc|conclu|summar|headline|opening|"
                           r"the article (say|said|state|claim|report)|文章(说|写|认为|指出|提到|称))", re.I)


# "姚顺雨是谁？", "林俊旸在阿里负责什么？", "Who is Yang Zhilin?": a question about a person's role.
_IDENTITY = re.compile(r"(是谁\s*[？?。!！]*\s*$|是什么人|什么身份|什么职位|负责什么|在哪里工作|在哪工作|什么背景|来自哪|"
                       r"^\s*who\s+is\b|\bwhat\s+(is|was)\s+\S+(\s+\S+)?['’]s\s+(role|job|position|background)|"
                       r"\bwhat\s+does\s+\S+(\s+\S+)?\s+do\b|\bwhere\s+does\s+\S+(\s+\S+)?\s+work)", re.I)


def _speakers_in(text: str, speakers: Speakers) -> tuple[list[str], bool]:
    """Canonical speakers a question names, and whether they were named by person aliases.

    A person's name outranks an organisation (唐杰 ... 阿里巴巴 is about 唐杰); the article is
    the speaker only when the question asks about its own voice (文章开头如何介绍…)."""
    persons: list[str] = []
    orgs: list[str] = []
    for s, e, name in speakers.mentions_in(text):
        bucket = persons if speakers.is_person_alias(text[s:e]) else orgs
        if name not in bucket:
            bucket.append(name)
    named = persons or orgs
    if _ARTICLE.search(text):
        if not named or _EDITOR_VOICE.search(text):
            return [EDITOR], False
    if len(persons) == 1 and _IDENTITY.search(text):
        return [EDITOR], False  # who someone is: the article's introductions say it, not the person
    return named, bool(persons)


def _canonical_mentions(text: str, speakers: Speakers) -> str:
    """People named by their canonical (transcript) names: "Who asked Yao Shunyu…" -> 姚顺雨."""
    for s, e, name in reversed(speakers.mentions_in(text)):
        if speakers.is_person_alias(text[s:e]):
            text = text[:s] + name + text[e:]
    return text


def _strip_mentions(text: str, speakers: Speakers, persons_only: bool = False) -> str:
    spans = [(s, e, n) for s, e, n in speakers.mentions_in(text)
             if not persons_only or speakers.is_person_alias(text[s:e])]
    for s, e, _ in reversed(spans):
        text = text[:s] + " " + text[e:]
    return re.sub(r"\s+", " ", text).strip()


def analyze(question: str, speakers: Speakers, history: list[str] = (), max_chars: int = 500,
            max_history: int = 4) -> Query:
    """Read a question (and the earlier questions of the conversation) into a Query."""
    text = clean(question)
    truncated = len(text) > max_chars
    text = text[:max_chars]
    lang = detect_lang(text)
    simp = to_simplified(text)
    named, by_person = _speakers_in(simp, speakers)
    # "林俊旸是谁？" asks who someone is, not who said something.
    asks_who = bool(_WHO.search(simp)) and not (named == [EDITOR] and _IDENTITY.search(simp))
    # In "谁问了X…" the named person is part of the topic, not the answer.
    topic = (simp if asks_who else _canonical_mentions(simp, speakers) if named == [EDITOR]
             else _strip_mentions(simp, speakers, by_person))
    if asks_who:
        named = []
    rewritten, followup = simp, False

    earlier = [clean(h)[:max_chars] for h in list(history)[-max_history:] if clean(h)]
    if earlier:
        prev = analyze(earlier[-1], speakers, earlier[:-1], max_chars, max_history)
        about = _ABOUT.match(simp)
        new_speaker_only = about and named and not _strip_mentions(
            (about.group("rest") or about.group("rest_en") or ""), speakers).strip(" 的")
        if new_speaker_only:
            # "那唐杰呢？": the earlier topic, asked of the newly named speaker.
            topic, followup = prev.topic, True
            rewritten = _ask_of(prev, named, speakers)
            asks_who = False
        elif (not by_person and prev.speakers and not asks_who
              and (_PRONOUN_ZH.search(simp) or _PRONOUN_EN.search(simp))):
            # "他还说了什么？": the pronoun is the earlier speaker.
            named, followup = list(prev.speakers), True
            topic = _strip_mentions(simp, speakers, persons_only=True)
            rewritten = _PRONOUN_EN.sub(prev.speakers[0], _PRONOUN_ZH.sub(prev.speakers[0], simp, count=1), count=1)
            # The earlier topic stays in view: "他拿哪些公司做例子？" is about the same subject.
            topic = f"{prev.topic} {topic}"
        elif not named and is_vague(topic):
            named, followup = list(prev.speakers), True
            topic = f"{prev.topic} {topic}"
            rewritten = f"{simp}（{prev.rewritten}）"
    own = _strip_mentions(simp, speakers, by_person) if not asks_who else simp
    return Query(text, lang, tuple(named), topic or simp, rewritten, asks_who, followup, truncated,
                 own if followup else (topic or simp))


def _ask_of(prev: Query, named: list[str], speakers: Speakers) -> str:
    """The earlier question asked of other people: 林俊旸怎么看… -> 唐杰怎么看…"""
    text = prev.rewritten
    spans = [(s, e) for s, e, _ in speakers.mentions_in(text)]
    if not spans:
        return f"{'、'.join(named)}：{prev.topic}"
    who = "、".join(named)
    for k, (s, e) in enumerate(reversed(spans)):
        text = text[:s] + (who if k == len(spans) - 1 else "") + text[e:]
    return text


def is_vague(topic: str) -> bool:
    """A question with almost no content of its own ("他还说了什么？", "why?")."""
    core = re.sub(r"(还|又|也|说了|说|讲了|讲|什么|呢|吗|别的|其他|其它|哪些|为什么|怎么|他|她|"
                  r"\b(what|else|did|does|do|he|she|say|said|why|and|instead|suggest|more|other|"
                  r"anything|about|that|this|tell|me)\b|[\s?？。，,.!！])", "", topic, flags=re.I)
    return len(core) <= 3
