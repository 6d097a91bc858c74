"""What kind of answer a question asks for, read from its form: the cue words of each
language in rag/data/question_forms.json (language data, nothing about any transcript)."""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba
import jieba.posseg

from index.tokens import STOPWORDS, is_han
from rag.text import places


FORMS_FILE = Path(__file__).resolve().parent / "data" / "question_forms.json"
PLANS = ("summary", "disagreement", "yesno", "why", "compare")   # in the order they are tried
DETAILS = ("number", "month", "day", "date", "place", "name", "choice")
DATES = ("month", "day", "date")
MAX_NOUN_WORDS = 3   # words between "how many"/"what" and the verb that can name what is counted
PERSON = "person"   # a name that is a person's: told from "name" by the model's exemplars, not by cue words
CACHED = 256        # questions whose count reading is remembered (each a jieba cut)
# Where a clause of a question ends: not "：", which opens what was said, and in English a "."
# before a space too (checked where it matters: not the dot of "3.5")
CLAUSE_ENDS = "，,；;。？?！!"


@dataclass(frozen=True)
class Form:
    """The answer a question's form asks for."""
    plan: str = ""      # one of PLANS, or "" for a plain question (fact, view)
    detail: str = ""    # one of DETAILS (or PERSON) when a specific figure, month, date, place or name is asked for
    noun: str = ""      # what a how-many question counts ("模型", "parameters"), when it says
    choices: tuple[str, ...] = ()   # the alternatives of "是A还是B？" / "Is it A or B?" (detail "choice")
    also: tuple[str, ...] = ()      # the other kinds of detail asked for beside `detail` ("在哪个城市，哪一天？")
    part: bool = False  # a summary of what a person said on one topic or in one part, not of all they said
    purpose: bool = False   # a why-plan question asking what a remark was meant to show, not why


def words(text: str) -> str:
    """Lower-case text with every non-word character a space, padded: ' what did he say '."""
    return " " + " ".join("".join(ch if ch.isalnum() or ch in "'’" else " " for ch in text.lower()).split()) + " "


def has_cue(text: str, cues: list[str]) -> bool:
    """Whether a cue occurs: Chinese cues as substrings, Latin cues as whole words."""
    padded = words(text)
    return any((f" {c} " in padded) if c.isascii() else (c in text) for c in cues)


class Forms:
    def __init__(self, data: dict):
        self.data = data

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls, path: Path = FORMS_FILE) -> "Forms":
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def cues(self, key: str) -> list[str]:
        entry = self.data[key]
        return [c for lang in ("zh", "en") for c in entry.get(lang, [])]

    def read(self, text: str, own: str | None = None) -> Form:
        """The form of a question given in simplified script. A follow-up resolved with an
        earlier turn's words (`text`) asks what a remark was meant to show only if the turn itself
        (`own`) says so: "那To B呢？" after "这个例子想说明什么？" asks for a view."""
        purpose = has_cue(text if own is None else own, self.cues("purpose"))
        plan = next((p for p in PLANS if (self.asks_yes_or_no(text) if p == "yesno"
                                          else has_cue(text, self.cues(p)) or (p == "why" and purpose))), "")
        cued, rest = [], text
        for cue in (c for d in DETAILS if d != "choice" for c in self._detail(d) if not c.isascii()):
            for word in self.data["detail"]["referring"]:   # "这个数字": the figure pointed back to
                rest = rest.replace(word + cue, " ")
        for d in (d for d in DETAILS if d != "choice"):
            if has_cue(rest, self._detail(d)) or (d == "number" and self.asks_count(rest)):
                cued.append(d)
                for cue in sorted(self._detail(d), key=len, reverse=True):
                    if not cue.isascii():
                        rest = rest.replace(cue, " ")   # "哪一天" asks for no place ("在哪")
        detail = cued[0] if cued else ""
        # a month or a day is a date: "几月几号" asks for one thing
        also = tuple(d for d in cued[1:] if not (d in DATES and detail in DATES))
        choices = () if detail or plan in ("disagreement", "compare", "why") else self.alternatives(text)
        return Form(plan, detail or ("choice" if choices else ""), self.asked_noun(text) if detail == "number" else "",
                    choices, purpose=plan == "why" and purpose and not has_cue(text, self.cues("why")), also=also)

    def alternatives(self, text: str) -> tuple[str, ...]:
        """The two words an alternative question sets against each other, either side of its
        cue ("是人民币还是美元？" -> 人民币, 美元); () if it is not one: a 吗-question's 还是 is
        "still", and so is one after an interrogative in its clause ("后来怎么最后还是开源了？")."""
        if self.asks_yes_or_no(text):
            return ()
        cut = jieba.lcut(text)
        asking = [c for c in self.data["yesno"]["not_with"] if not c.isascii()]
        for cue in self.data["detail"]["choice"]["zh"]:
            for k in (k for k, w in enumerate(cut) if w == cue):
                before = [w for w in cut[:k] if any(ch.isalnum() for ch in w)]
                after = [w for w in cut[k + 1:] if any(ch.isalnum() for ch in w)]
                if not before or not after:
                    continue
                clause = "".join(cut[:k]).replace(",", "，").split("，")[-1]
                if any(c in clause for c in asking):
                    return ()
                return before[-1], after[0]
        return ()

    def asked_noun(self, text: str) -> str:
        """What a how-many question counts: the word after its counting cue ("多少个模型" -> 模型,
        "how many parameters" -> parameters), measure words and 的 skipped unless nothing follows
        them ("多少人" -> 人); "" if none (an auxiliary verb next: "how many did he give"), or if the
        question measures rather than counts ("多大的仓库" is answered by any size of it). A cue
        ending the question measures the noun before it ("仓库的面积是多少？", "仓库的面积有多大？")."""
        entry = self.data["detail"]["number"]
        for cue in sorted(entry["counting"]["zh"], key=len, reverse=True):
            at = text.find(cue)
            if at >= 0:
                after = self._after_cue(text, at + len(cue))
                rest = after.lstrip(self.data["holds"]["measures"] + entry["before_noun"] + " ")
                word = ""
                for ch in rest:
                    if not is_han(ch) or ch in entry["before_noun"]:   # "多少步的工具调用": 步
                        break
                    word += ch
                if word and next((w.flag for w in jieba.posseg.lcut(rest)), "") in entry["count"]["not_counted_tags"]:
                    word = ""   # "几年之后": a word of place or time is no noun, the measure word is counted
                # "多少人": the measure word is what is counted when no noun follows it
                counted = word[:2] or after[:len(after) - len(rest)].strip(entry["before_noun"] + " ")[-1:]
                if counted or any(is_han(ch) for ch in after):
                    return counted
                return self._measured_before(text[:at], entry)
        # "仓库的面积有多大？": a measuring cue ending the question measures the noun before it
        for cue in entry["measuring"]["zh"]:
            at = text.rfind(cue)
            if at >= 0 and not any(is_han(ch) for ch in self._after_cue(text, at + len(cue))):
                return self._measured_before(text[:at], entry)
        padded = words(text).split()
        verbs = STOPWORDS | set(self.data["yesno"]["en_start"])
        # a detail's own noun ("what figure", "which city") is no thing counted
        generic = {c.split()[-1] for kind in DETAILS if kind in self.data["detail"] and kind != "number"
                   for c in self.data["detail"][kind].get("en", [])} | set(entry["names_nothing"])
        for cue in entry["counting"]["en"]:
            parts = cue.split()
            for k in range(len(padded) - len(parts)):
                if padded[k:k + len(parts)] != parts:
                    continue
                # the noun is the first plural of the words before the verb ("how many open source
                # models have", "what monthly fees separate the", "how many researchers left"),
                # else the last word before an auxiliary ("what exact score did"), else the first
                # ("how many people spoke"); not "what figure did", "how many of", "what was"
                after = padded[k + len(parts):]
                run = list(itertools.takewhile(lambda w: w not in verbs, after))
                if not 0 < len(run) <= MAX_NOUN_WORDS:
                    continue
                auxiliary = len(run) < len(after) and after[len(run)] in self.data["yesno"]["en_start"]
                plural = next((w for w in run if len(w) > 3 and w.endswith("s") and not w.endswith("ss")), None)
                noun = plural or (run[-1] if auxiliary else run[0])
                if noun not in generic:   # ("what odds did": a percentage; "what price": a sum of money)
                    return noun
        return ""

    @lru_cache(maxsize=CACHED)   # asked once for every sentence checked for the figure
    def _word_before_count(self, asked: str) -> str:
        """The word a Chinese question puts right before its counting cue ("花掉多少钱" -> 花掉), if
        it is a word of two characters or more and not one linking a noun to the cue (是, 有, 大概)."""
        entry = self.data["detail"]["number"]
        at = min((k for k in (asked.find(c) for c in entry["counting"]["zh"]) if k > 0), default=-1)
        if at < 0:
            return ""
        head = jieba.lcut(asked[:at])
        word = head[-1] if head else ""
        return word if len(word) >= 2 and is_han(word[0]) and word not in entry["before_cue"] else ""

    def _after_cue(self, text: str, end: int) -> str:
        """What follows a figure's cue ending at `end` in its clause, the particles ending the
        clause stripped ("…是多少呢？" -> "", "增长率到底多少来着，说的是…" -> "")."""
        rest = _clauses(text[end:])[0].rstrip()
        particles = sorted(self.data["detail"]["number"]["after_cue"], key=len, reverse=True)
        while particle := next((p for p in particles if rest.endswith(p)), ""):
            rest = rest[:-len(particle)].rstrip()
        return rest

    @staticmethod
    def _measured_before(head: str, entry: dict) -> str:
        """"K2的参数量是多少？": nothing follows the cue, so what is measured is the noun of a 的
        linked to it by 是/有/大概… ("的参数量"), or without a 的 the noun the clause ends with
        ("下载量有多少"); "" without such a link ("领先中国多少") or noun ("他们一共有多少")."""
        head, linked = head.rstrip(), False
        links = sorted(entry["before_cue"], key=len, reverse=True)
        while link := next((w for w in links if head.endswith(w)), ""):
            head, linked = head[:-len(link)].rstrip(), True   # "价格大概是多少"
        run = ""
        for ch in reversed(head):
            if not is_han(ch) or ch in entry["before_noun"]:
                break
            run = ch + run
        if not linked:
            return ""
        if head[:len(head) - len(run)].endswith(entry["before_noun"]) and len(run) >= 2:
            return run   # "的参数量"
        # no 的 ("开源以后下载量有多少"): the nouns jieba ends the clause with ("星标" "数"), if any
        noun = ""
        for w in reversed(jieba.posseg.lcut(head)):
            if w.flag not in entry["noun_tags"]:
                break
            noun = w.word + noun
        return noun if len(noun) >= 2 else ""

    def asks_for_a_thing(self, text: str) -> bool:
        """Whether the question holds an interrogative that asks for a thing (什么, 哪, 多少, which,
        how many …), the words in which a detail can be asked for without a cue word."""
        return has_cue(text, self.cues_of(self.data["detail"]["interrogatives"]))

    @staticmethod
    def cues_of(entry: dict) -> list[str]:
        return [c for lang in ("zh", "en") for c in entry.get(lang, [])]

    def asks_yes_or_no(self, text: str) -> bool:
        yn = self.data["yesno"]
        if has_cue(text, yn["request"]["zh"]) or words(text).startswith(tuple(f" {c} " for c in yn["request"]["en_start"])):
            return False   # "Can you give an example?", "能给我举个例子吗？": asked of the assistant
        if any(v + v in text or v + "一下" in text for v in yn["request"]["zh_telling"]):
            return False   # "能说说…吗？", "可以解释一下…吗？": a verb of telling, doubled or softened, asks to be told
        asked = [p for p in text.replace("?", "？").split("？") if p.strip()]
        if len(asked) > 1 and self.has("elaborate", asked[-1]) and any(self.has_question_word(p) for p in asked[:-1]):
            return False   # "他建议怎么做？有例子吗": what is asked, with an example
        if text.rstrip(" ？?。.!！").endswith(tuple(yn["zh_end"])):   # a 吗-question, whatever it holds
            return True
        # an English question asks yes or no by the auxiliary its clause opens with, before any
        # question word ("So in his view is the gap narrowing?", "Was he serious when he said…?"):
        # a question word after it asks inside a clause of its own. Of the last sentence holding
        # either: "He said X may not pay off. So what did he suggest?" asks what
        cues = set(yn["en_start"]) | set(yn["not_with"])
        said = [[w for w in words(part).split() if w in cues] for part in text.replace("? ", ". ").split(". ")]
        opening = next((ws[0] for ws in reversed(said) if ws), None)
        if opening in yn["en_start"]:
            return True
        if self.has_question_word(text):
            return False
        return has_cue(text, yn["zh"])

    def has_question_word(self, text: str) -> bool:
        """Whether a question holds a question word ("什么", "why"), not one inside a word that
        asks nothing ("没什么差距", "哪怕")."""
        return has_cue(self.outside("yesno", text), self.data["yesno"]["not_with"])

    def reply_at(self, text: str) -> int | None:
        """Where a question asks how someone answered ("他怎么回答的？", "How did he respond to
        it?", "What did Lin reply?"): the offset of its cue (whoever is named before it answers);
        None if it does not (a question naming an answer in a clause of its own: "请X先回答…时")."""
        entry = self.data["answering"]
        lower = text.lower()
        found = [lower.find(c) for c in entry["zh"] if c in lower] \
            + [lower.find(c) for c in entry["en"] if has_cue(lower, [c])]
        said = words(text).split()
        if said and said[-1] in entry["en_end"]:
            found.append(lower.rfind(said[-1]))
        return min(found) if found else None

    def certain(self, kind: str, text: str) -> bool:
        """Whether the question asks for a detail of `kind` in words that always do ("how many",
        "有几个人")."""
        return has_cue(text, self.data["detail"].get(kind, {}).get("certain", [])) \
            or (kind == "number" and self.asks_count(text))

    @lru_cache(maxsize=CACHED)   # read() and certain() both ask it of one question
    def asks_count(self, text: str) -> bool:
        """Whether a Chinese question asks how many with 几 and a measure word ("团队有几个人？",
        "工作了几年？"), not "these few" ("这几年") and not beside another interrogative ("几位
        嘉宾分别说了什么？" asks what several people said): detail.number.count."""
        entry = self.data["detail"]["number"]["count"]
        others = [c for c in self.data["yesno"]["not_with"] if not c.isascii() and c != entry["numeral"]]
        if entry["numeral"] not in text or has_cue(text, others):
            return False
        cut = jieba.lcut(text)
        return any(len(w) > 1 and w[0] == entry["numeral"] and w[1] in entry["measures"]
                   and (k == 0 or cut[k - 1] not in entry["not_after"]) for k, w in enumerate(cut))

    def detail_cues(self) -> list[str]:
        """Every cue word asking for a figure, month, date, place or name."""
        return [c for kind in DETAILS if kind != "choice" for c in self._detail(kind)]

    def _detail(self, kind: str) -> list[str]:
        entry = self.data["detail"][kind]
        return entry["zh"] + entry["en"]

    def negations(self, text: str) -> int:
        """How many negations a sentence holds: Chinese negators (不, 没 …) that do not start
        a non-negating word (不同, 未来 …), and English negative words."""
        neg = self.data["negation"]
        for cue in self.data["yesno"]["zh"] + neg["zh_not_negating"]:  # 是不是 asks, 不同 differs
            text = text.replace(cue, " ")
        english = sum(1 for w in words(text).split() if w in neg["en"] or w.endswith(("n't", "n’t")))
        return sum(text.count(c) for c in neg["zh"]) + english

    def asked_negations(self, question: str) -> int:
        """The negations of what a yes/no question asks: an English question opening on a negative
        auxiliary ("Isn't it true that …?", "Doesn't he think …?") asks the same as without it."""
        first = words(question).split()[:1]
        opening = bool(first) and first[0] in self.data["yesno"]["en_start"] and self.negations(first[0]) > 0
        return self.negations(question) - opening

    def other_figures(self, asked: str, text: str) -> bool:
        """Whether a sentence gives figures or dates where the question states others: each holds
        a value of the same kind the other does not ("是30%吗？" against "我觉得是20%吧"; "3 to 4
        orders" against "1-2个数量级"). Values both state are shared context ("三到五年后"): the
        sentence contradicts the question only where each also holds a value the other lacks. A
        percentage is no context but what is asked: one the sentence does not give, it does not
        confirm ("他说概率是20%吗？" against "我觉得概率还挺高的")."""
        h = self.data["holds"]
        for kind in ("number", "date"):
            asked_figures = self.details(kind, asked)
            mine = {v for f in asked_figures for v in _values(f, h)}
            theirs = {v for f in self.details(kind, text) for v in _values(f, h)}
            rates = {v for f in asked_figures if f.endswith(tuple(h["percent_marks"])) for v in _values(f, h)}
            if mine - theirs and theirs - mine or rates - theirs:
                return True
        return False

    def has(self, key: str, text: str) -> bool:
        """Whether `text` holds one of the cues listed under `key`, not inside one of the words
        its `not_within` lists ("问" asks, "问题" does not)."""
        return has_cue(self.outside(key, text), self.cues(key))

    def outside(self, key: str, text: str) -> str:
        """The text with the words the `not_within` list of `key` names blanked out: what its
        cues may be found in."""
        for word in self.data[key].get("not_within", []):
            text = text.replace(word, " ")
        return text

    def asks_about_asking(self, text: str) -> bool:
        """Whether a question is about a question put: who asked, or what was asked ("谁追问了…？",
        "Which question did the moderator put to …?", "主持人提的第一个问题": a verb of putting
        in the noun's clause)."""
        putting = self.data["asking"]["putting"]
        put = any(putting["noun"] in c and any(v in c for v in putting["zh"]) for c in _clauses(text))
        return put or self.has("asking", text) or has_cue(text, self.cues_of(self.data["asking"]["asked"]))

    def holds(self, kind: str, text: str, asked: str = "") -> bool:
        """Whether a sentence gives a detail of this kind (number, date, place or name) that the
        question (`asked`) does not already state: "95%" does not answer "the project where
        Claude wrote 95% of the code is called what?"."""
        asked = asked.lower()
        return any(d.lower() not in asked for d in self.details(kind, text))

    def details(self, kind: str, text: str) -> list[str]:
        """The details of this kind a sentence states: digit runs and numerals before a measure
        word (number); digits before 月 and month names (month); digits before 日/号 (day); months,
        digits before 年/月/日/号 and date words (date); Latin names and acronyms (capitalised or
        holding a digit) and words jieba tags as names (name), people (person) or places (place),
        of two characters or more."""
        h = self.data["holds"]
        runs = _runs(text)
        if kind == "number":   # not a date ("2019年", "7月"), nor the article "一个"
            return ([r.rstrip(".") for r, after in _runs_with_next(text) if r[:1].isdigit() and not _is_date(r, after, h)]
                    + [(p if a in h["vague_numerals"] else "") + a + b for p, a, b in zip(" " + text, text, text[1:])
                       if a in h["numerals"] and b in h["measures"]
                       and (a not in h["vague_numerals"] or p in h["numerals"])   # "几个" no, "十几个" yes
                       and not (a in h["article"] and b not in h["magnitudes"])])
        months = [r for r, after in _runs_with_next(text) if r.isdigit() and after in h["month_after_digit"]] \
            + [w for w in h["month_words"]["zh"] + h["month_words"]["en"] if has_cue(text, [w])]
        if kind == "month":
            return months
        if kind == "day":
            return [r for r, after in _runs_with_next(text) if r.isdigit() and after in h["day_after_digit"]]
        if kind == "date":
            dates = [r for r, after in _runs_with_next(text) if r.isdigit() and after in h["date_after_digit"]]
            spoken = [w for w in h["date_words"]["zh"] + h["date_words"]["en"] if has_cue(text, [w])]
            return list(dict.fromkeys(dates + spoken + months))
        found = []
        if kind == "name":
            found = [r for r in runs if r[:1].isupper() or (r[:1].isalpha() and any(c.isdigit() for c in r))]
        tags = set(h["place_tags"] if kind == "place" else h["person_tags"] if kind == PERSON else h["name_tags"])
        return found + [w.word for w in jieba.posseg.lcut(text) if w.flag in tags and len(w.word) > 1]

    def names_money(self, noun: str) -> bool:
        """Whether a noun names a sum of money (价格, "price"), which a figure in a currency measures."""
        return noun in self.data["holds"]["money_nouns"]

    def names_rate(self, noun: str) -> bool:
        """Whether a noun names a rate or a share (概率, 增长率, "odds"), which a percentage measures."""
        return noun.endswith(tuple(self.data["holds"]["rate_endings"]))

    def counts(self, text: str, noun: str, asked: str = "") -> bool:
        """Whether one of the sentence's figures counts or measures `noun` (a longer noun: any two
        characters of it): the noun follows it within a measure word and a 的 ("10万人的公司"
        counts 人; "两个方向…所有的人" does not), or comes just before it ("价格是200美元"); a
        percentage measures a rate or a share (概率, 比例). A figure the question (`asked`) states
        is what it is asked beside ("工业界有1万片卡，那学校有多少卡？"), not an answer. A figure
        right after the word the question puts right before its counting cue fills the slot the
        question leaves ("花掉多少钱" and "花掉20亿")."""
        h = self.data["holds"]
        stated = {v for f in self.details("number", asked) for v in _values(f, h)}
        figures = [f for f in self.details("number", text) if not (v := _values(f, h)) or not v <= stated]
        lead = self._word_before_count(asked)
        if lead and any(lead + f in text for f in figures):
            return True
        if self.names_rate(noun) and any(f.endswith(tuple(h["percent_marks"])) for f in figures):
            return True   # "我觉得是20%吧" gives the 概率 asked for
        if self.names_money(noun) and any(_in_currency(text, f, h) for f in figures):
            return True   # "一个模型是200美元/月" gives the 钱 asked for
        parts = {noun[k:k + 2] for k in range(len(noun) - 1)} if len(noun) > 2 else {noun}
        reach = max(len(p) for p in parts) + 2
        for figure in figures:
            for at in places(text, figure):
                after = text[at + len(figure): at + len(figure) + reach]
                # a noun of one character ("人") only where it is the measure word after the figure
                before = text[max(0, at - reach):at] if len(noun) > 1 else ""
                if any(p in after or p in before for p in parts):
                    return True
        return noun in h["measures"] and any(f.endswith(noun) for f in figures)

    def gives_reason(self, text: str) -> bool:
        return has_cue(text, self.cues("reason"))

    def points_back(self, text: str) -> bool:
        """Whether a sentence opens by pointing back at what was just said ("这是我们的思考。",
        "That's our thinking.")."""
        head = text.lstrip(" “「\"'")
        return head.startswith(tuple(self.data["points_back"]["zh"])) \
            or words(head).startswith(tuple(f" {c} " for c in self.data["points_back"]["en"]))

    def turns_against(self, text: str) -> bool:
        """Whether a sentence opens by turning against what came before ("其实…", "But …")."""
        head = text.lstrip(" “「\"'")
        padded = words(head)
        return any(head.startswith(c) for c in self.data["contrast"]["zh"]) or any(
            padded.startswith(f" {c} ") for c in self.data["contrast"]["en"])


def _clauses(text: str) -> list[str]:
    """The text cut where its clauses end (CLAUSE_ENDS); the first is what comes before any end."""
    return "".join("，" if ch in CLAUSE_ENDS else ch for ch in text).split("，")


def _in_currency(text: str, figure: str, h: dict) -> bool:
    """Whether the figure is a sum of money somewhere in the text: a currency after it (past a
    magnitude: "20万美元") or a currency sign before it ("$20")."""
    return any(text[at + len(figure):].lstrip(h["magnitudes"]).startswith(tuple(h["currencies"]))
               or text[:at].rstrip().endswith(tuple(h["currency_signs"])) for at in places(text, figure))


def _values(figure: str, h: dict) -> set[float]:
    """The values a figure states: its digit runs ("1-2" 1 and 2, "1.8B" 1.8, "95%" 95), or the
    value of a single numeral ("三倍" 3); none for a vague one ("几个", "百万")."""
    out, run = set(), ""
    for ch in figure + " ":
        if ch.isdigit() or (run and ch == "." and run[-1].isdigit()):
            run += ch
            continue
        if run.rstrip("."):
            out.add(float(run.rstrip(".")))
        run = ""
    if not out and figure[:1] in h["numeral_values"]:
        out.add(float(h["numeral_values"][figure[0]]))
    return out


def _runs_with_next(text: str) -> list[tuple[str, str]]:
    """Maximal runs of ASCII letters, digits and inner ".", "-", "%" ("Qwen3.5", "1.8B", "95%"),
    each with the character after it."""
    out, run = [], ""
    for k, ch in enumerate(text + " "):
        if ch.isascii() and (ch.isalnum() or (run and ch in ".-%")):
            run += ch
            continue
        if run:
            out.append((run.rstrip(".-"), ch))
        run = ""
    return out


def _is_date(run: str, after: str, h: dict) -> bool:
    """A digit run that dates rather than counts: a year (four digits before 年) or a month or day."""
    return run.isdigit() and after in h["date_after_digit"] and (after != h["date_after_digit"][0] or len(run) == 4)


def _runs(text: str) -> list[str]:
    return [r for r, _ in _runs_with_next(text)]
