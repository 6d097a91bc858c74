"""What kind of answer a question asks for, read from its form: the cue words of each
language in rag/data/question_forms.json (language data, nothing about any transcript)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba.posseg

from index.tokens import STOPWORDS

FORMS_FILE = Path(__file__).resolve().parent / "data" / "question_forms.json"
PLANS = ("summary", "disagreement", "yesno", "compare", "why")   # in the order they are tried
DETAILS = ("number", "date", "place", "name")


@dataclass(frozen=True)
class Form:
    """The answer a question's form asks for."""
    plan: str = ""      # one of PLANS, or "" for a plain question (fact, view)
    detail: str = ""    # one of DETAILS when a specific figure, date, place or name is asked for
    noun: str = ""      # what a how-many question counts ("模型", "parameters"), when it says


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

    def read(self, text: str) -> Form:
        """The form of a question given in simplified script."""
        plan = next((p for p in PLANS if (self.asks_yes_or_no(text) if p == "yesno"
                                          else has_cue(text, self.cues(p)))), "")
        detail = next((d for d in DETAILS if has_cue(text, self._detail(d))), "")
        return Form(plan, detail, self.asked_noun(text) if detail == "number" else "")

    def asked_noun(self, text: str) -> str:
        """What a how-many question counts: the word after its cue ("多少个模型" -> 模型,
        "how many parameters" -> parameters), measure words skipped; "" if none, or if the
        word after an English cue is a function word ("what figure did he give")."""
        entry = self.data["detail"]["number"]
        for cue in sorted(entry["zh"], key=len, reverse=True):
            at = text.find(cue)
            if at >= 0:
                rest = text[at + len(cue):].lstrip(self.data["holds"]["measures"] + " ")
                word = ""
                for ch in rest:
                    if not ("\u4e00" <= ch <= "\u9fff"):
                        break
                    word += ch
                return word[:2]
        padded = words(text).split()
        for cue in entry["en"]:
            parts = cue.split()
            for k in range(len(padded) - len(parts)):
                if padded[k:k + len(parts)] == parts:
                    word = padded[k + len(parts)]
                    return "" if word in STOPWORDS else word
        return ""

    def asks_yes_or_no(self, text: str) -> bool:
        yn = self.data["yesno"]
        if text.rstrip(" ？?。.!！").endswith(tuple(yn["zh_end"])):   # a 吗-question, whatever it holds
            return True
        if has_cue(text, yn["not_with"]):
            return False
        first = words(text).split()[:1]
        return has_cue(text, yn["zh"]) or bool(first and first[0] in yn["en_start"])

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

    def has(self, key: str, text: str) -> bool:
        """Whether `text` holds one of the cues listed under `key`."""
        return has_cue(text, self.cues(key))

    def holds(self, kind: str, text: str) -> bool:
        """Whether a sentence gives a detail of this kind (number, date, place or name)."""
        h = self.data["holds"]
        if kind == "number":
            return (any(ch.isdigit() or ch == "%" for ch in text)
                    or any(a in h["numerals"] and b in h["measures"] for a, b in zip(text, text[1:])))
        if kind == "date":
            return (any(a.isdigit() and b in h["date_after_digit"] for a, b in zip(text, text[1:]))
                    or has_cue(text, h["date_words"]["zh"] + h["date_words"]["en"]))
        tags = set(h["place_tags"] if kind == "place" else h["name_tags"])
        if kind == "name" and any(w[:1].isupper() or any(c.isdigit() for c in w) for w in text.split()
                                  if w[:1].isascii() and w[:1].isalpha()):
            return True
        return any(w.flag in tags for w in jieba.posseg.lcut(text))

    def gives_reason(self, text: str) -> bool:
        return has_cue(text, self.cues("reason"))
