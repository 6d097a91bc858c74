"""Query analysis: language and script, speakers named by any alias, who-questions, and
follow-ups resolved against the earlier turns of the conversation (no LLM)."""
from __future__ import annotations

import re
import unicodedata
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba.posseg

from index.records import EDITOR
from index.speakers import Speakers
from index.tokens import STOPWORDS, to_simplified
from rag.conversation import Turn, as_turns
from rag.ellipsis import only_ordinals, ordinal_span
from rag.forms import CLAUSE_ENDS, Forms, has_cue, words

FOLLOWUPS_FILE = Path(__file__).resolve().parent / "data" / "followups.json"

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_WHO = re.compile(r"(谁|哪位|哪一位|哪个人|哪个嘉宾|哪位嘉宾|哪几位|哪些嘉宾|^\s*who\b|\bwho\s+(said|says|thinks?|argued|"
                  r"believes?|described|mentioned|talked|spoke|made|gave|compared|warned|used|told|"
                  r"put|estimated|was|is)\b|which (speaker|person|panelist|panellist|guest|one of)|"
                  r"which of (the|them|these|those)\b)", re.I)
OTHERS_REACH_ZH = 4   # characters before "其他人"/"别人" when it is the turn's subject ("那还有别人…": 3)
OTHERS_REACH_EN = 3   # words before "anyone else"/"the others" when it is ("What did the others …": 2)
SHORT_TOPIC = 3       # letters or characters of a turn's own that ask nothing unless they are a noun (is_vague)
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
    carried: bool = False   # its person comes from an earlier turn ("他", "还有呢？"), not from its words
    asked: str = ""         # the question resolved but without the earlier turn appended: its form
    again: bool = False     # asks for what was already quoted ("再说一遍", "again")
    earlier: str = ""       # the earlier turn's topic, which a follow-up with words of its own may point
                            # back to ("他觉得现在的模型在这方面做得怎么样？"); searched beside its own
    by_organisation: bool = False   # its person is named only by their organisation ("智谱有多少员工？")
    about: str = ""         # the one person a question asks who they are ("Who is the moderator?",
                            # "What is Kimi?"), answered by the article's introduction of them
    among: tuple[str, ...] = ()   # the people a who-question chooses between ("X跟Y谁更看好？")
    assumed: bool = False   # a turn naming no one, taken to go on about the earlier person; `earlier`
                            # is then only a second reading, not what it points back to
    besides: tuple[str, ...] = ()   # the earlier turn's people, when a turn asks about the others
                                    # ("还有别人提到过吗？", "Did anyone else say so?"): not them


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


# "姚顺雨是谁？", "林俊旸在阿里负责什么？", "Who is Yang Zhilin?": a question about a person's role
# (and asks_employer).
_IDENTITY = re.compile(r"(是谁\s*[？?。!！]*\s*$|^\s*谁是[^，,；;]+$|是什么人|什么身份|什么职位|负责什么|在哪里工作|在哪工作|什么背景|来自哪|"
                       r"^\s*who\s+is\b|\bwhat\s+(is|was)\s+\S+(\s+\S+)?['’]s\s+(role|job|position|background)|"
                       r"\bwhat\s+does\s+\S+(\s+\S+)?\s+do\b|\bwhere\s+does\s+\S+(\s+\S+)?\s+work|是做什么的)", re.I)
_WHAT_IS = ("what is", "是什么")   # "What is Kimi?", "智谱是什么？": who someone is, when it asks of a bare name


def _speaks(text: str, end: int) -> bool:
    """Whether a verb of speech follows the name ending at `end`: "林俊旸说…", "did Tang Jie say …"."""
    after = text[end:].lstrip()
    first = words(after).split()[:1]
    return any(after.startswith(c) if not c.isascii() else first == [c] for c in Forms.load().cues("speech"))


def asks_everyone(query: Query) -> bool:
    """A first question naming nobody that asks about "they" ("What did they say about X?",
    "他们怎么看X？"): with no one before them in the conversation, they are the speakers."""
    return not query.followup and not query.speakers and not query.asks_who \
        and has_cue(to_simplified(query.text), _cue_list("plural_pronouns"))


def without_who(text: str) -> str:
    """The question without its who-interrogative ("会上有哪几位发言？" -> "会上有发言？")."""
    return _WHO.sub(" ", text)


def asks_who_said(text: str) -> bool:
    """Whether a who-question asks who said something ("谁说自己不想掺和…的争论？", "Who said the
    gap is widening?"): a verb of speech follows its interrogative, and what follows that is what
    was said, whatever words of comparing or disagreeing it holds. (A match may hold the verb
    itself, "who said": the verb is looked for after its first word as well as after it.)"""
    return any(_speaks(text, end) for m in _WHO.finditer(text)
               for end in (m.start() + len(m.group(0).split()[0]), m.end()))


def _speakers_in(text: str, speakers: Speakers) -> tuple[list[str], bool]:
    """Canonical speakers a question names, and whether they were named by person aliases.

    A person's name outranks an organisation (唐杰 ... 阿里巴巴 is about 唐杰); the article is
    the speaker only when the question asks about its own voice (文章开头如何介绍…). The first
    person named speaks alone when a verb of speech follows them: in "林俊旸说自己和姚顺雨…" the
    others are what he spoke of."""
    persons: list[str] = []
    orgs: list[str] = []
    speaking, clause_end = None, len(text)
    for s, e, name in speakers.mentions_in(text):
        person = speakers.names_one(text[s:e])
        if person and not persons and _speaks(text, e):
            speaking = name
            clause_end = next((i for i in range(e, len(text)) if text[i] in CLAUSE_ENDS   # (not "3.5")
                               or (text[i] == "." and text[i + 1:].lstrip("\"'”’")[:1].isspace())), len(text))
        elif person and s >= clause_end:
            speaking = None   # "When X said …, how did the moderator …": the person of the main clause
        bucket = persons if person else orgs
        if name not in bucket:
            bucket.append(name)
    if speaking:
        persons = [speaking]
    named = persons or orgs
    if _ARTICLE.search(text):
        if not named or _EDITOR_VOICE.search(text):
            return [EDITOR], False
    # who someone is: asked of a person in any way; of an organisation, only as "What is X?"
    bare = _of_bare_name(text, speakers)
    identity = (len(persons) == 1 and (_IDENTITY.search(text) or bare or asks_employer(text, speakers))) \
        or (not persons and len(orgs) == 1 and bare)
    if identity and not speaking:
        return [EDITOR], False  # who someone is: the article's introductions say it, not the person
    return named, bool(persons)


def asks_employer(text: str, speakers: Speakers) -> bool:
    """Whether the question asks whom a person named in it works for, the name right beside the
    asking words: "杨植麟是哪家公司的？", "姚顺雨现在在哪家公司？", "林俊旸之前在哪？", "Which company
    does Lin Junyang work for?", "Where did Yao Shunyu work before?", "Who does Tang Jie work for?",
    "Where is Tang Jie from?" (not "林俊旸的对手是哪家公司？", "Which lab is ahead according to Tang
    Jie?": the company asked for is someone else; nor "林俊旸在哪个问题上…": more follows)."""
    entry = Forms.load().data["employer"]
    for s, e, _ in speakers.mentions_in(text):
        if not speakers.names_one(text[s:e]):
            continue
        after = text[e:].lstrip()
        for filler in entry["zh_filler"]:
            after = after.removeprefix(filler)
        if after.startswith(tuple(entry["zh_after"])) or after.rstrip("？?。.！! ") in entry["zh_whole"]:
            return True
        before, rest = words(text[:s]).split(), words(text[e:]).split()
        if rest[:1] and rest[0] in entry["en_after"] and any(before[-len(b.split()):] == b.split() for b in entry["en_before"]):
            return True
    return False


def _canonical_mentions(text: str, speakers: Speakers) -> str:
    """People named by their canonical (transcript) names: "Who asked Yao Shunyu…" -> 姚顺雨."""
    for s, e, name in reversed(speakers.mentions_in(text)):
        if speakers.names_one(text[s:e]):
            text = text[:s] + name + text[e:]
    return text


def _of_bare_name(text: str, speakers: Speakers) -> bool:
    """"What is Kimi?", "智谱是什么？": the question asks what a name is, and nothing else."""
    return _strip_mentions(text, speakers).strip(" ？?").lower() in _WHAT_IS


def _strip_mentions(text: str, speakers: Speakers, persons_only: bool = False, keep: frozenset[str] = frozenset()) -> str:
    """The text without its mentions of people (and of their organisations and titles, unless
    `persons_only`: then only names and titles), but the people in `keep`, who are what it asks
    about, by their canonical names."""
    spans = [(s, e, n) for s, e, n in speakers.mentions_in(text)
             if not persons_only or speakers.names_one(text[s:e])]
    for s, e, n in reversed(spans):
        text = text[:s] + (n if n in keep else " ") + text[e:]
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def _cues() -> dict:
    return json.loads(FOLLOWUPS_FILE.read_text(encoding="utf-8"))


def _cue_list(key: str) -> list[str]:
    entry = _cues()[key]
    return entry["zh"] + entry["en"]


def analyze(question: str, speakers: Speakers, history: Sequence[str | Turn] = (), max_chars: int = 500,
            max_history: int = 4, swap: Callable[[str, str], str | None] | None = None,
            holds: Callable[[str, str], bool] | None = None) -> Query:
    """Read a question (and the earlier turns of the conversation) into a Query. `swap(earlier, x)`
    (rag.ellipsis.Swap) puts the X of "那X呢？" in the place of the part of the earlier question
    it stands for; without it, X is asked with the earlier question beside it. `holds(text, lang)`
    tells whether the transcript holds any of the text's words: a turn naming nobody whose words
    it holds none of ("What's the catch?") can only be about what the conversation was about."""
    text = clean(question)
    truncated = len(text) > max_chars
    text = text[:max_chars]
    lang = detect_lang(text)
    simp = to_simplified(text)
    named, by_person = _speakers_in(simp, speakers)
    # a person named only by their organisation: the company asked about ("智谱有多少员工？"), but
    # asked what it thinks or said ("Kimi怎么看开源？", "What does Zhipu think about …?") its person
    by_organisation = bool(named) and not by_person and named != [EDITOR] and not Forms.load().has("speech", simp)
    first_named = tuple(named)
    # "林俊旸是谁？" asks who someone is, not who said something.
    identity = named == [EDITOR] and bool(_IDENTITY.search(simp) or _of_bare_name(simp, speakers)
                                          or asks_employer(simp, speakers))
    # "Who was the moderator?", "谁主持了圆桌？": who holds a title, asked of nothing else, is who they are
    holder = _title_holder(simp, speakers) if not identity and _WHO.search(simp) else None
    if holder:
        named, identity = [EDITOR], True
    # "他是谁？", "Who is he?" in a conversation: who the earlier turn's person is, not who said something
    asks_who = bool(_WHO.search(simp)) and not identity and not (history and not named and _who_is_he(simp))
    mentioned = frozenset(n for _, _, n in speakers.mentions_in(simp))
    about = mentioned if identity else frozenset()
    # In "谁问了X…" the named person is part of the topic, not the answer.
    # the people named beside the one speaking are what they spoke of ("What does Lin Junyang think of Yao Shunyu?")
    spoken_of = mentioned - set(named) if by_person else frozenset()
    topic = (simp if asks_who else _canonical_mentions(simp, speakers) if named == [EDITOR]
             else _strip_mentions(simp, speakers, by_person, spoken_of))
    among = _among(simp, speakers) if asks_who else ()
    if asks_who:
        named = []
    own = topic
    rewritten, asked, followup, carried, earlier, assumed = simp, simp, False, False, "", False
    again = has_cue(simp, _cue_list("again"))

    turns = [t for t in as_turns(history)[-max_history:] if clean(t.question)] if max_history > 0 else []
    if turns:
        turn = turns[-1]
        prev = analyze(turn.question, speakers, turns[:-1], max_chars, max_history, swap, holds)
        people = _people(prev, turn, _singular(simp), speakers.moderators, _asks_as_subject(simp))
        person_ref = has_cue(_pronoun_text(simp), _cue_list("person_pronouns"))
        thing_ref = has_cue(simp, _cue_list("thing_pronouns"))
        asks_others = _asks_others(simp)   # "Did anyone else …?": not the earlier people
        # whom a pronoun before a name means: not that person ("did he mention Yao …?")
        others = [p for p in dict.fromkeys(people + list(prev.speakers)) if p not in named]
        x = _ellipsis(simp)
        # the turn whose ordinal an ordinal turn stands for: the last one, or the one before the
        # turns since that asked nothing of their own or asked why ("第一个是啥" -> "为什么？" -> "第二个呢？")
        # (read only for a turn holding an ordinal: X is part of the turn)
        ordinal_turn = _asked_before(turns, speakers, max_chars, max_history, swap, holds, prev,
                                     lambda q: ordinal_span(q.asked or q.rewritten) is not None) \
            if ordinal_span(simp) is not None else None
        if x is None and ordinal_turn is not None:
            x = _ordinal_asked(simp)   # "What was the second one?" as "And the second?"
        # "Does Yao Shunyu agree?", "姚顺雨也认同吗？": as "What about Yao Shunyu?" (the earlier
        # person's view is in the last answer)
        agreeing = len(named) == 1 and not asks_who and set(people) - set(named) and _asks_agreement(own)
        if x is not None and named and not _strip_mentions(x, speakers).strip(" 的") or agreeing:
            # "那唐杰呢？" / "What about Tang Jie?": the earlier question, asked of the person named;
            # after a turn that asked nothing of its own ("他为什么这么说？"), or asked why of the
            # last answer ("他为啥给这么低的数？": of what that person said), the one before it:
            # what the other person said on it, not why they said the same
            asked_prev = _asked_before(turns, speakers, max_chars, max_history, swap, holds, prev)
            topic, followup, asks_who = asked_prev.topic, True, False
            rewritten = asked = _ask_of(asked_prev, named, speakers, lang)
            if asked_prev.about and len(named) == 1:   # "Who is X?" -> "那Y呢？": who Y is
                about = frozenset(named)
        elif asks_others and not named and not asks_who and people:
            # "其他人怎么看？", "What did the others say?": the earlier question, asked of everyone
            # but its people (`besides`), not X in place of part of it; "Did others agree?": on the
            # earlier topic too; "Did anyone else mention education?": on its own, read with it
            asked_prev = _asked_before(turns, speakers, max_chars, max_history, swap, holds, prev)
            followup = True
            rest = _without_cues(own, _cue_list("others"))   # what it asks beside naming the others
            if is_vague(rest, nothing=True) or (holds is not None and not holds(rest, lang)):
                topic = f"{asked_prev.topic} {own}"
            else:
                earlier = asked_prev.topic
            rewritten = _with_context(simp, asked_prev, lang)
        elif not named and not asks_who and not person_ref and people and _asks_dispute(own):
            # "Did anyone disagree?", "大家有分歧吗？": whether the people differ on the earlier
            # question: its topic, asked of everyone (not the whole event's disagreements)
            asked_prev = _asked_before(turns, speakers, max_chars, max_history, swap, holds, prev)
            followup = True
            topic = f"{asked_prev.topic} {own}"
            rewritten = _with_context(simp, asked_prev, lang)
        elif x and not _filler(x) and not named and not asks_who and people:
            # "那To C用户呢？": the earlier person on a new topic, which they may never have discussed:
            # the earlier question with X in place of what X stands for ("…对To B来说…" -> "…对To C用户…").
            named, followup, carried = people, True, person_ref
            # an ordinal stands for the ordinal of the turn that asked one, and asks it of its person
            # (after a turn that asked nothing of its own or asked why, the one before it: "那To C
            # 用户呢？" after "为什么？" stands for a part of what was asked before the why)
            source = ordinal_turn if only_ordinals(x) and ordinal_turn is not None \
                else _asked_before(turns, speakers, max_chars, max_history, swap, holds, prev)
            if source is not prev and source.speakers and not source.asks_who:
                named = list(source.speakers)
            # X pointing back ("那它的难处呢？": "it" is the earlier thing; "那他们那边的情况呢？":
            # theirs) asks more of what the earlier question was about, replacing nothing in it
            pointing = has_cue(x, _cue_list("pointing_pronouns")) or has_cue(_pronoun_text(x), _cue_list("person_pronouns"))
            swapped = swap(source.asked or source.rewritten, x) if swap is not None and not pointing else None
            if swapped:
                topic = analyze(swapped, speakers, (), max_chars, 0).topic
                rewritten = asked = swapped
            else:
                topic = f"{prev.topic} {own}"
                rewritten = _with_context(simp, prev, lang)
        elif person_ref and by_person and others and EDITOR not in others and not asks_who \
                and _pronoun_first(simp, speakers, lang):
            # "Which labs did he mention Yao had worked in?", "他怎么评价姚顺雨的说法？": "he" is an
            # earlier turn's person other than the one named after the pronoun, who is what he spoke of
            named, followup, carried = others[:1] if _singular(simp) else others, True, True
            topic = own = _canonical_mentions(simp, speakers)
            rewritten = asked = _replace_pronoun(text if lang == "en" else simp, named, speakers, lang)
        elif person_ref and not by_person and not named and not asks_who and prev.asks_who \
                and not _singular(simp) and len([s for s in turn.speakers if s != EDITOR]) > 1:
            # "What did they discuss?" after "Who spoke?" (an answer naming several people): they
            # are all of them, as "they" is in a first question (asks_everyone): nobody in particular
            followup = True
            rewritten = _with_context(simp, prev, lang)
        elif person_ref and not by_person and named != [EDITOR] and EDITOR not in people and people \
                and not asks_who:
            # "他为什么这么说？" / "Why did he say that?": the pronoun is the earlier turn's person.
            named, followup, carried = people, True, True
            # "他为什么这么说？", "他在这方面怎么说？", "再说一遍他的原话": the earlier subject;
            # "他拿哪些公司做例子？", and a question of its own with a thing pronoun in it ("What
            # optimizer did his team use, and what did it gain them?", "那个1.8B模型…"): its own
            topic = f"{prev.topic} {own}" if again or is_vague(own) else own
            # a thing pronoun beside its own words may point back ("在这方面") or into the
            # question ("what did it gain them?"): retrieval weighs both readings
            earlier = prev.topic if thing_ref and topic == own else ""
            rewritten = asked = _replace_pronoun(text if lang == "en" else simp, people, speakers, lang)
            resolved = to_simplified(rewritten)   # "他之前在哪工作？", "他是哪家公司的？": who he is, as introduced
            if len(named) == 1 and (_IDENTITY.search(resolved) or asks_employer(resolved, speakers)):
                about = frozenset(named)
        elif thing_ref or (is_vague(own, nothing=True) if named else is_vague(own)
                           or (holds is not None and not holds(own, lang))
                           or (not asks_who and _opens_with(simp, _cue_list("continuation")))):
            # "林俊旸也这么觉得吗？", "还有呢？", "Anything else?", "What's the catch?": the earlier
            # topic (and person); "是谁提议的？" (its object left out): who did the earlier thing;
            # "What number did Lin Junyang give?" (a name and nothing else): the earlier topic, of him;
            # of the guest, not the moderator named beside them ("主持人问X…" -> "那…是哪一年？")
            if not named and not asks_who and not _of_everything(simp) and not asks_others:   # ("总结一下这次活动": all of it)
                named = people if is_vague(own) else _guests(people, speakers.moderators)
                carried = bool(people)
            followup = True
            # what the earlier turn pointed back to ("…with it?") is still what this one is about
            pointed = "" if prev.assumed else prev.earlier
            topic = " ".join(x for x in (pointed, prev.topic, own) if x)
            rewritten = _with_context(simp, prev, lang)
        elif not named and not asks_who and people and EDITOR not in people and not _addresses_all(simp) \
                and not asks_others:
            # a turn naming no one, in a conversation about someone, goes on about them ("成本降了
            # 多少？", "and the team moved on to what?", "give me an example of a failure"): their
            # words on what it asks, read with and without the earlier topic (the figure of the
            # thing asked about before, or a new point of theirs); the guest, not the moderator
            named, followup, carried, assumed = _guests(people, speakers.moderators), True, True, True
            earlier = prev.topic
            rewritten = _with_context(simp, prev, lang)
    # "还有别人提到过吗？", "Did anyone else say so?": everyone but the people the conversation was about
    besides = tuple(people) if turns and not named and people and asks_others else ()
    return Query(text, lang, tuple(named), topic or simp, rewritten, asks_who, followup, truncated,
                 own if followup else (topic or simp), carried, asked, again, earlier,
                 by_organisation and tuple(named) == first_named,
                 next(iter(about)) if len(about) == 1 and (not followup or about <= set(named)) else "",
                 among if asks_who else (),
                 assumed, besides)


def _title_holder(simp: str, speakers: Speakers) -> str | None:
    """The person a who-question asks about by their title alone ("Who was the moderator?", "谁主持
    了圆桌？", "Who was the host?"): it names nobody else, and besides the title, who-words and
    words for the event it asks nothing. None otherwise ("Which guest did the moderator ask first?")."""
    spans = speakers.mentions_in(simp)
    people = {n for _, _, n in spans}
    if len(people) != 1 or not all(speakers.is_title(simp[s:e]) for s, e, _ in spans):
        return None
    rest = _without_cues(_strip_mentions(simp, speakers), Forms.load().cues("document") + _cue_list("who_words"))
    return next(iter(people)) if is_vague(rest, nothing=True) else None


def _among(simp: str, speakers: Speakers) -> tuple[str, ...]:
    """The people a who-question chooses between, named one after another with nothing but a
    conjunction between them ("姚顺雨跟林俊旸谁更看好？", "Who is more cautious, Tang Jie or Yang
    Zhilin?", "Between Tang Jie and Yang Zhilin, who …?"); () if it names them otherwise: then
    they are what it asks about ("谁同意唐杰和杨植麟的看法？")."""
    entry = Forms.load().data["people_choice"]
    spans = [(s, e, n) for s, e, n in speakers.mentions_in(simp) if speakers.is_person_alias(simp[s:e])]
    names = tuple(dict.fromkeys(n for _, _, n in spans))
    if len(names) < 2:
        return ()
    between = [simp[e:s].strip(" ，,").lower() for (_, e, _), (s, _, _) in zip(spans, spans[1:])]
    if any(b not in entry["joins"] for b in between):
        return ()
    breaks = entry["breaks"]
    before, after = simp[:spans[0][0]].rstrip(), simp[spans[-1][1]:].strip()
    opens = not before or before[-1] in breaks   # the names open the question or its clause
    if detect_lang(simp) == "en":
        # "Tang Jie or Yang Zhilin: who …?", "Who is more cautious, Tang Jie or Yang Zhilin?",
        # "Between Tang Jie and Yang Zhilin, who …?"; not "Who praised Lin Junyang or Yao Shunyu?"
        offered = bool(set(between) & set(entry["en_or"])) and (
            opens or not after.rstrip("?？.!！ ") and before[-1:] in tuple(breaks))
        return names if offered or words(before).split()[-1:] in ([w] for w in entry["en_before"]) else ()
    if not opens:   # "关于俊旸和顺雨，谁说…": what it asks about
        return ()
    rest = after.lstrip(" " + breaks)
    rest = rest[next((len(w) for w in sorted(entry["zh_after"], key=len, reverse=True) if rest.startswith(w)), 0):]
    return names if rest.startswith(tuple(entry["zh_who"])) else ()


def _people(prev: Query, turn: Turn, singular: bool = False, moderators: frozenset[str] = frozenset(),
            asker: bool = False) -> list[str]:
    """Who "he" means after a turn: the people that turn asked about, or if it asked who
    (or named nobody), the person its answer attributed to. One person for "he" after a turn
    that named several ("林俊旸说自己和姚顺雨…" -> "他"): the one its answer was about, else
    the first named; not the moderator beside a guest ("主持人问X…" -> "他怎么回答的？": X),
    unless "he" is the one who asks (`asker`: "他问的是…", "What did he ask next?"). "He" after a
    question of who someone is (answered by the article's introduction of them): that person."""
    if prev.about and singular:
        return [prev.about]
    if prev.speakers and not prev.asks_who:
        people = list(prev.speakers)
        if singular and len(people) > 1:
            asking = [p for p in people if p in moderators]
            if asker and asking:
                return asking[:1]
            people = [p for p in people if p not in moderators] or people
            answered = next((s for s in turn.speakers if s in people), None)
            return [answered or people[0]]
        return people
    # the article answering a question that named nobody is no one a follow-up points back to
    # ("What is X?" -> "What's hard about it?" asks of X, not of the article)
    return [s for s in turn.speakers[:1] if s != EDITOR]


def _asks_as_subject(simp: str) -> bool:
    """Whether a person pronoun is the subject of a verb of asking: right before it ("他问的是…",
    "他追问了什么", "What did he ask?"), not a question about something ("他对这个问题怎么看")."""
    asking, pronouns = Forms.load().data["asking"], _cue_list("person_pronouns")
    verbs = Forms.load().outside("asking", simp)   # a verb, not inside a word that does not ask ("他问题" is no asking)
    zh = [p for p in pronouns if not p.isascii()]
    if any(p + v in verbs for p in zh for v in asking["zh"]) \
            or any(p + n in simp for p in zh for n in asking["asked"]["zh"]):
        return True   # ("他提出的问题是什么？" asks what he asked)
    said = words(simp).split()
    return any(a in pronouns and b in asking["en"] for a, b in zip(said, said[1:]))


def _singular(simp: str) -> bool:
    """Whether a question points back at one person ("他", "his"), not at several ("他们", "they")."""
    plural = _cues()["plural_pronouns"]
    simp = _pronoun_text(simp)
    for cue in sorted(plural["zh"], key=len, reverse=True):
        simp = simp.replace(cue, " ")   # "他们" holds "他"
    singular = [c for c in _cue_list("person_pronouns") if c not in plural["zh"] + plural["en"]]
    return has_cue(simp, singular)


def _ellipsis(simp: str) -> str | None:
    """The X of "那X呢？", "还有呢？", "What about X?", "And X?"; None if the question is not one.
    A question after it that asks nothing more ("那X呢？他怎么看？", "And X? What does she think?")
    leaves it one."""
    e = _cues()["ellipsis"]
    for mark in ("？", "?"):
        first, found, rest = simp.strip().partition(mark)
        if found and rest.strip() and _asks_nothing_more(rest):
            return _ellipsis(first + mark)
    body = simp.strip().rstrip(" ？?。.!！")
    end = next((c for c in sorted(e["zh_end"], key=len, reverse=True) if body.endswith(c)), None)
    if end is not None:
        body = body[:-len(end)]
        start = next((c for c in sorted(e["zh_start"], key=len, reverse=True) if body.startswith(c)), "")
        x = body[len(start):].strip()
        return x if len(x) <= e["max_chars"] else None
    lowered = words(body).split()
    for cue in sorted(e["en_start"], key=len, reverse=True):
        parts = cue.split()
        if lowered[:len(parts)] == parts:
            rest = lowered[len(parts):]
            # "And now, how far have they got?" is a question of its own, not "And X?"
            if not rest or rest[0] in _cues()["question_words_en"] or len(rest) > 6 \
                    or (cue in e["en_name_only"] and any(w in _cues()["question_words_en"] for w in rest)):
                return None
            x = " ".join(body.split()[len(parts):])
            return x if cue not in e["en_name_only"] or x else None
    return None


def _asks_nothing_more(text: str) -> bool:
    """A question that, its pronouns aside, asks nothing or only how the person sees it ("他怎么看？",
    "What does he think?"); not "Why?", nor a figure, date, place or name ("什么时候？")."""
    rest = _without_cues(text, _cue_list("person_pronouns"))
    for cue in _cues()["ellipsis"]["zh_end"]:   # "怎么看", "怎么说": how they see it
        rest = rest.replace(cue, " ")
    forms, simp = Forms.load(), to_simplified(text)
    return (is_vague(rest, nothing=True) or is_vague(text, nothing=True)) \
        and not forms.has("why", simp) and not has_cue(simp, forms.detail_cues())


def _asked_before(turns: list[Turn], speakers: Speakers, max_chars: int, max_history: int, swap, holds,
                  last: Query, wanted: Callable[[Query], bool] | None = None) -> Query | None:
    """The last earlier turn, read, that asked something of its own: stepping back over follow-ups
    that asked nothing ("他为什么这么说？", "还有呢？") or asked why of the answer before. With
    `wanted`, the first of those turns (from the last) that `wanted` accepts, None if none does.
    `last`: the last turn, already read (only the turns stepped back over are read again)."""
    q = last
    for k in range(len(turns) - 1, -1, -1):
        if k < len(turns) - 1:
            q = analyze(turns[k].question, speakers, turns[:k], max_chars, max_history, swap, holds)
        if wanted is not None and wanted(q):
            return q
        if not (q.followup and (is_vague(q.focus) or Forms.load().has("why", to_simplified(q.text)))):
            return q if wanted is None else None
    return None if wanted is not None else q


def _ordinal_asked(simp: str) -> str | None:
    """The ordinal of a turn that asks for nothing else ("What was the second one?", "第三个是什么？"),
    None if it asks more: what stands beside it is filler."""
    empty, filler_zh, _, _ = _vague_words()
    text = simp.strip().rstrip(" ？?。.!！")
    at = ordinal_span(text)
    if at is None:
        return None
    data = Forms.load().data
    others = [c for c in data["yesno"]["not_with"] if c not in data["ordinal"]["asked_with"]]
    if has_cue(text, others):
        return None   # "第二个为什么？", "How about the second?": it asks something of its own
    if detect_lang(text) == "en":
        rest = " ".join(w for w in words(text).split() if w not in empty or only_ordinals(w))
    else:
        head, ordinal, tail = text[:at[0]], text[at[0]:at[1]], text[at[1]:]
        for cue in filler_zh:
            head, tail = head.replace(cue, ""), tail.replace(cue, "")
        rest = head + ordinal + tail
    return rest.strip() if only_ordinals(rest.strip()) else None


def _opens_with(simp: str, cues: list[str]) -> bool:
    """Whether the question opens with one of the cues (Latin ones as whole words)."""
    head = words(simp)
    return any(head.startswith(f" {c} ") if c.isascii() else simp.strip().startswith(c) for c in cues)


def _filler(x: str) -> bool:
    """Whether the X of "那X呢？" is only Chinese filler ("后来呢？", "然后呢？": what came next)."""
    for w in _vague_words()[1]:
        x = x.replace(w, "")
    return not x.strip()


def _display(name: str, speakers: Speakers, lang: str) -> str:
    s = speakers.by_name.get(name)
    return s.en if lang == "en" and s is not None and s.en else name


def _asks_others(simp: str) -> bool:
    """Whether a turn asks about the people other than those the conversation was about, as its
    subject: the cue opens it, after at most a continuation ("还有别人提到过吗？", "那其他人怎么看？",
    "Did anyone else …?", "What did the others say?"); not "中国多久能超过别人？", "Can China catch
    up with the others?" (others as an object)."""
    entry = _cues()["others"]
    zh = [simp.find(c) for c in entry["zh"] if c in simp]
    said = words(simp)
    en = [said.find(f" {c} ") for c in entry["en"] if f" {c} " in said]
    return (bool(zh) and min(zh) <= OTHERS_REACH_ZH) or (bool(en) and len(said[:min(en)].split()) <= OTHERS_REACH_EN)


def _who_is_he(simp: str) -> bool:
    """Whether a turn asks who a person pronoun is and nothing else ("他是谁？", "Who is she?"; not
    "找他的那个人是谁？", which asks who someone else was)."""
    text, pronouns = _pronoun_text(simp), _cue_list("person_pronouns")
    single = [p for p in pronouns if " " not in p]   # the one-word pronouns: "this speaker" is words of its own
    return has_cue(text, pronouns) and not _without_cues(_IDENTITY.sub(" ", text), single).strip()


def _pronoun_text(text: str) -> str:
    """The text with the words that hold a pronoun's character but are none ("其他", "他人")
    blanked, character for character (offsets stay those of the text)."""
    for word in _cues()["not_pronouns"]["zh"]:
        text = text.replace(word, "\u3000" * len(word))
    return text


def _first_pronoun(text: str, lang: str) -> tuple[int, str] | None:
    """Where the first pronoun for a person is, and the pronoun as written (the longest cue at
    the earliest place in Chinese; a whole word in English); None if there is none."""
    if lang != "en":
        text = _pronoun_text(text)
        found = [(text.find(c), -len(c), c) for c in _cues()["person_pronouns"]["zh"] if c in text]
        return (min(found)[0], min(found)[2]) if found else None
    pronouns = set(_cues()["person_pronouns"]["en"])
    at = 0
    for word in text.split():
        at = text.index(word, at)
        bare = word.strip(".,;:!?？\"'“”()")
        if bare.lower() in pronouns:
            return at + word.index(bare), bare
        at += len(word)
    return None


def _pronoun_first(simp: str, speakers: Speakers, lang: str) -> bool:
    """Whether a pronoun for a person comes before the first person the question names (it is
    then someone else: a name before it is what the pronoun points back to)."""
    first_name = min((s for s, _, _ in speakers.mentions_in(simp)), default=len(simp))
    pronoun = _first_pronoun(simp, lang)
    return pronoun is not None and pronoun[0] < first_name


def _replace_pronoun(text: str, people: list[str], speakers: Speakers, lang: str) -> str:
    """The first pronoun for a person replaced by the name, in the question's language."""
    pronoun = _first_pronoun(text, lang)
    if pronoun is None:
        return text
    at, cue = pronoun
    who = (" and " if lang == "en" else "、").join(_display(p, speakers, lang) for p in people)
    if lang == "en" and cue.lower() in _cues()["possessive_en"]:
        who += "'s"
    return text[:at] + who + text[at + len(cue):]


def _with_context(simp: str, prev: Query, lang: str) -> str:
    """The turn with the earlier question beside it, once: an earlier question that itself had
    one beside it gives that one ("how come? (what limits agents?)", not "how come? (give an
    example (what limits agents?))")."""
    context = prev.rewritten
    for opening, closing in ((" (", ")"), ("（", "）")):
        if context.startswith(prev.asked + opening) and context.endswith(closing):
            context = context[len(prev.asked) + len(opening):-len(closing)]
    return f"{simp} ({context})" if lang == "en" else f"{simp}（{context}）"


def _ask_of(prev: Query, named: list[str], speakers: Speakers, lang: str) -> str:
    """The earlier question asked of other people: 林俊旸怎么看… -> 唐杰怎么看…"""
    text = prev.rewritten
    spans = [(s, e) for s, e, _ in speakers.mentions_in(text)]
    if spans:   # the names go into the earlier question, in its language
        lang = prev.lang
    who = (" and " if lang == "en" else "、").join(_display(n, speakers, lang) for n in named)
    if not spans:
        return f"{who}: {prev.topic}" if lang == "en" else f"{who}：{prev.topic}"
    for k, (s, e) in enumerate(reversed(spans)):
        text = text[:s] + (who if k == len(spans) - 1 else "") + text[e:]
    return text


def is_vague(topic: str, nothing: bool = False) -> bool:
    """A question with almost no content of its own ("他还说了什么？", "why?"): its words are
    filler, what asks for a kind of detail ("有具体的数字吗？", "When?", "Any figures?") and at most
    SHORT_TOPIC letters or characters, unless, where nothing asks for a detail, those are a noun of
    two characters or an acronym ("他说的初心是什么？", "What about AI?"; not "他怎么回答的？",
    "哪家公司？", "How did he put it?"). With `nothing`, none at all: beside a person's name, a
    two-character topic ("教育") is one."""
    empty, filler_zh, detail_zh, detail_en = _vague_words()
    text = topic
    for cue in detail_zh:
        text = text.replace(cue, " ")
    padded = words(text)
    for cue in detail_en:
        padded = padded.replace(f" {cue} ", " ")
    asks_detail = text != topic or padded != words(text)
    core = " ".join(w for w in padded.split() if w not in empty)
    for cue in filler_zh:
        core = core.replace(cue, "")
    # "What did he mean?", "Like what?": words that ask nothing when nothing else is left
    left = core.split()
    if left and all(w in _alone_words() for w in left):
        return True
    if nothing:
        return not any(ch.isalnum() for ch in core)
    if sum(ch.isalnum() for ch in core) > SHORT_TOPIC:
        return False
    return asks_detail or not _short_topic(topic, core)


def _short_topic(topic: str, core: str) -> bool:
    """Whether the few letters left of a turn (`core`) hold a topic: a word of the turn, read in
    it, of two characters or more that jieba tags a noun (followups.json topic_tags) and that asks
    nothing on its own (not 观点, 原话), or an acronym ("AI", "RL")."""
    tags = set(_cues()["topic_tags"]["tags"])
    for w in jieba.posseg.lcut(topic):
        if len(w.word) < 2 or w.word.lower() not in core or w.word.lower() in _alone_words():
            continue
        if (w.word.isascii() and w.word.isupper()) or (not w.word.isascii() and w.flag in tags):
            return True
    return False


def _asks_agreement(own: str) -> bool:
    """A yes/no turn asking nothing but whether someone agrees ("Does Yao Shunyu agree?", "他也认同
    吗？"; not "What did he disagree with?"): its words are agreeing and comparing cues, and filler."""
    forms = Forms.load()
    cues = forms.cues("agreement") + forms.cues("disagreement") + forms.cues("compare")
    if not has_cue(own, forms.cues("agreement")) or not forms.asks_yes_or_no(to_simplified(own)):
        return False
    return is_vague(_without_cues(own, cues), nothing=True)


def _asks_dispute(own: str) -> bool:
    """A turn asking nothing but whether people disagree or agree ("Did anyone disagree?", "大家有
    分歧吗？", "有人同意吗？"; not "他们在开源上有分歧吗？", which names what)."""
    forms = Forms.load()
    cues = forms.cues("agreement") + forms.cues("disagreement")
    return has_cue(own, cues) and is_vague(_without_cues(own, cues + _cue_list("someone")), nothing=True)


def _without_cues(text: str, cues: list[str]) -> str:
    """The text's words (lower-case, padded) with these cues taken out, longest first: Chinese
    ones as substrings, Latin ones as whole words."""
    text = words(text)
    for cue in sorted(cues, key=len, reverse=True):
        text = text.replace(f" {cue} " if cue.isascii() else cue, " ")
    return text


@lru_cache(maxsize=1)
def _alone_words() -> frozenset[str]:
    """Words that ask nothing when nothing else is left ("mean", "like"), read once."""
    alone = _cues()["alone"]
    return frozenset(alone["en"] + alone["zh"])


@lru_cache(maxsize=1)
def _vague_words() -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """What carries nothing in a turn, read once: the English filler words and stopwords; the
    Chinese filler; the cue words that ask for a figure, date, place, name or reason (Chinese ones
    removed as substrings, Latin ones as whole words). Each list longest first."""
    filler = _cues()["filler"]
    forms = Forms.load()
    # asking for a reason ("how come?", "为啥") is no content either
    cues = forms.detail_cues() + forms.cues("why")
    longest = lambda xs: tuple(sorted(xs, key=len, reverse=True))  # noqa: E731
    return (frozenset(filler["en"]) | STOPWORDS, longest(filler["zh"]),
            longest(c for c in cues if not c.isascii()), longest(c for c in cues if c.isascii()))


def _addresses_all(simp: str) -> bool:
    """Whether a question is about the whole document or everyone in it ("大家都聊了些什么？",
    "What did the others say?", "How did the panelists compare?"), not about one person: it names
    the document or the others, or asks to summarise, compare or set out a disagreement."""
    forms = Forms.load()
    return _of_everything(simp) or any(forms.has(key, simp) for key in ("summary", "compare", "disagreement"))


def _of_everything(simp: str) -> bool:
    """Whether a question names the document or a part of it ("这次活动", "the panel"), or asks
    what everyone or the others said ("大家都聊了些什么？", "What did the others think?"; not
    "大家转去做什么了？", people in what was said)."""
    forms = Forms.load()
    return forms.has("document", simp) or (has_cue(simp, _cue_list("everyone")) and forms.has("speech", simp))


def _guests(people: list[str], moderators: frozenset[str]) -> list[str]:
    """The people a turn goes on about: those of the earlier turn, less the moderator who put
    the question to a guest ("主持人问了那位嘉宾什么？" -> "成本降了多少？" is about the guest)."""
    return [p for p in people if p not in moderators] or people
