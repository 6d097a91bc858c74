"""Does the transcript mention what the question is about? Named things (people, companies,
products, places, model names) that occur nowhere in the corpus mean it does not."""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import jieba.posseg
import numpy as np

from index.tokens import Tokenizer, is_han, joined_letters, to_simplified
from rag.forms import words
from rag.text import places

# Well-known companies, labs, models, products and people, each with its names in Chinese and
# English (world knowledge, written without the transcript or its questions): a question naming
# one of them is about something the transcript never mentions unless it mentions one of its names.
ENTITIES_FILE = Path(__file__).resolve().parent / "data" / "entities.json"

# jieba's part-of-speech tags are noisy for short words (智慧 and 张卡 come back as names), so
# only a three-character person name counts among Chinese words.
_PERSON = {"nr", "nrfg", "nrt"}
# jieba's tags of the structural particles (的, 得, 地, 了, 着, 过), which never stand inside a
# person's name: "多得很" (much) is no name, though jieba's dictionary tags it as one
_PARTICLES = {"uj", "ud", "uv", "ul", "uz", "ug"}
# Latin names: an acronym or model name (GPT4, A100) or a capitalised word inside the
# sentence; the first word of a sentence is capitalised anyway.
_LATIN_NAME = re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Za-z0-9.\-]*[A-Z0-9][A-Za-z0-9.\-]*|[A-Z][a-z]{2,}"
                         r"|[A-Za-z]+\d[A-Za-z0-9.\-]*)(?![A-Za-z0-9])")


# Where a clause ends: sentence punctuation, or a full stop before a space (not the dot of "Qwen3.5").
_CLAUSE_END = re.compile(r"([。！？!?；;]+|\.(?=\s|$))")


def asked_part(text: str) -> str:
    """The clauses that ask (end in a question mark) when the text also has others: in
    "唐杰怎么看RLVR？谢谢 Bob" the thanks is not what is asked about. Text with no question
    mark, or only questions, is all asked."""
    parts = _CLAUSE_END.split(text) + [""]
    clauses = [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2) if parts[i].strip()]
    asked = [words + end for words, end in clauses if "?" in end or "？" in end]
    return " ".join(asked) if asked and len(asked) < len(clauses) else text


# Abbreviations of everyday English that name no person, company or product.
GENERAL_ABBREVIATIONS = frozenset({"us", "usa", "u.s", "u.s.", "uk", "eu", "un", "ceo", "cto", "cfo",
                                   "phd", "vs", "etc", "ok"})


def load_entities(path: Path = ENTITIES_FILE) -> list[tuple[str, ...]]:
    """The entities of the data file, each its names; a missing file gives none."""
    if not path.exists():
        return []
    return [tuple(str(a) for a in e) for e in json.loads(path.read_text(encoding="utf-8"))["entities"]]


class Coverage:
    def __init__(self, corpus_texts: list[str], tokenizer: Tokenizer, known: list[str], people: list[str] = (),
                 entities: Sequence[Sequence[str]] = ()):
        text = joined_letters(to_simplified("\n".join(corpus_texts)))
        self.flat = re.sub(r"\s+", "", text).lower()
        self.flat_latin = text.lower()  # spaces kept: word edges
        self.tokenizer = tokenizer
        self.known = {k.lower() for k in known} | set(tokenizer.glossary)
        # People's names (any alias) are known names; a versioned model name is not its family name.
        self._alias_re = re.compile("|".join(rf"(?<![A-Za-z0-9]){re.escape(k)}(?![A-Za-z0-9.])"
                                             for k in sorted(people, key=len, reverse=True)),
                                    re.IGNORECASE) if people else re.compile(r"(?!x)x")
        self._pos = None
        self._entities = [tuple(e) for e in entities]
        self._entity_of = {_key(a): k for k, e in enumerate(self._entities) for a in e}
        self._written = {_key(a): a for e in self._entities for a in e}   # 昇腾, not OpenCC's 升腾
        # the Chinese names, longest first, to find in a question (Latin ones are found as words)
        self._chinese = sorted((a for a in self._entity_of if not a.isascii()), key=len, reverse=True)
        # the Latin names of several words ("EU AI Act"), longest first: each of their words may be
        # common ("AI", "Act"), the name is not
        self._phrases = sorted(((words(a), a) for a in self._entity_of if a.isascii() and len(words(a).split()) > 1),
                               key=lambda p: len(p[0]), reverse=True)
        self._found: dict = {}                     # corpus look-ups (one is a scan of the whole text)
        self._entity_found: dict[int, bool] = {}
        self._words = None                         # jieba's dictionary with the entities' names added

    def mentioned(self, term: str, entities: bool = True) -> bool:
        """Whether the corpus (or the speakers and glossary) mentions `term`, or (with `entities`)
        another name of the entity it names ("ByteDance" where the corpus says 字节跳动); Latin
        words match whole words only ("Lars" is not in "large"), an English plural or 's as its stem."""
        spaced = joined_letters(to_simplified(term)).lower()
        t = re.sub(r"\s+", "", spaced)   # as the corpus text is
        stem = re.sub(r"(['’]s|(?<=...)s)$", "", t) or t  # X's -> x, plural -> stem; not US -> u
        if {t, stem, term.lower()} & (self.known | GENERAL_ABBREVIATIONS):
            return True
        if self._in_corpus(spaced, t, stem):
            return True
        k = self._entity_of.get(_key(term)) if entities else None
        if k is None:
            return False
        if k not in self._entity_found:
            self._entity_found[k] = any(self.mentioned(a, entities=False) for a in self._entities[k])
        return self._entity_found[k]

    def _words_mentioned(self, name: str) -> bool:
        """Whether the corpus mentions every word of a Latin name of several words."""
        return len(name.split()) > 1 and all(self.mentioned(w, entities=False) for w in name.split())

    def _in_corpus(self, spaced: str, t: str, stem: str) -> bool:
        """Whether the corpus holds the term (`spaced`: as the corpus text is written, spaces
        kept; `t`: without them; `stem`: `t` without a plural ending)."""
        if not re.fullmatch(r"[a-z0-9.\-]+", stem):
            if t not in self._found:
                self._found[t] = t in self.flat
            return self._found[t]
        # Latin: whole words, any space between them ("Moonshot AI"), the last one's plural too
        head = spaced.split()[:-1]
        words = tuple(w for w in head + [stem[len("".join(head)):]] if w)
        if words not in self._found:
            pattern = r"\s+".join(re.escape(w) for w in words)
            self._found[words] = bool(re.search(rf"(?<![a-z0-9]){pattern}(s|es)?(?![a-z])", self.flat_latin))
        return self._found[words]

    def unknown_names(self, topic: str) -> list[str]:
        """Names in what the question asks (`asked_part`) that the transcript never mentions."""
        out: list[str] = []
        text = self._alias_re.sub(" ", to_simplified(asked_part(topic)))  # a speaker's alias is a known person
        padded = words(text)
        for spaced, phrase in self._phrases:
            if spaced in padded and not any(phrase in _key(n) for n in out) and not self.mentioned(phrase):
                out.append(self._written[phrase])
        # a name of several words ("Mark Zuckerberg", "Hugging Face") is one name, unknown if one
        # of its words is: (start, end, any word unknown) of each run of words one space apart
        runs: list[tuple[int, int, bool]] = []
        for m in _LATIN_NAME.finditer(text):
            word = m.group(1).strip(".-")
            at_start = not text[: m.start()].strip() or text[: m.start()].rstrip()[-1:] in ".?!。？！"
            # an English sentence's first word is capitalised; a word opening a Chinese question
            # ("Sora的…") is a name
            after = text[m.start(1) + len(word):][:1]
            if at_start and re.fullmatch(r"[A-Z][a-z]+", word) and not is_han(after):
                continue
            unknown = len(word) >= 2 and not self.mentioned(word)
            start, end = m.start(1), m.start(1) + len(m.group(1).rstrip(".-"))
            if runs and text[runs[-1][1]:start] == " ":
                runs[-1] = (runs[-1][0], end, runs[-1][2] or unknown)
            else:
                runs.append((start, end, unknown))
        for start, end, unknown in runs:
            name = text[start:end].strip(".-")
            if _key(name) in self._entity_of:   # an entity's name: known if any of its names is
                unknown = not self.mentioned(name)
            if unknown and name not in out and not any(_key(name) in _key(n) for n in out):
                out.append(name)
        if self._pos is None:
            self._pos = jieba.posseg.POSTokenizer(self.tokenizer.jieba_tokenizer())
        for w in self._pos.cut(re.sub(r"[A-Za-z0-9.\-]+", " ", text)):
            # a frame opening and closing on one character ("越拉越大", which jieba tags as a name) is
            # a way of speaking; a person's name hardly ever repeats its first character last
            if w.flag in _PERSON and len(w.word) == 3 and w.word[0] != w.word[2] \
                    and self._pos.lcut(w.word[1])[0].flag not in _PARTICLES \
                    and not self.mentioned(w.word) and w.word not in out:
                out.append(w.word)
        out += [n for n in self._entity_names(text) if not self.mentioned(n) and n not in out]
        # a model named by its family and its version ("Kimi K2") is mentioned where the transcript
        # names both (the version alone, "K2", after the family elsewhere)
        out = [n for n in out if not (_versioned(n) and self._words_mentioned(n))]
        # a name inside another the question gives is named once (微软Copilot, not also Copilot)
        out = [n for n in out if not any(_key(n) != _key(m) and _key(n) in _key(m) for m in out)]
        lowered = text.lower()   # in the order the question names them
        return sorted(out, key=lambda n: (lowered.find(_key(n)) % (len(lowered) + 1)))

    def _entity_names(self, text: str) -> list[str]:
        """The entities' Chinese names in `text`, in order, as the data file writes them: a name
        that is a word where jieba cuts the text with the names in its dictionary ("北京东边" is
        北京/东边, no 京东; "模型可灵活部署" is …可/灵活…, no 可灵; "对美团的" is 对/美团/的), the
        longest first (鸿蒙系统, not also 鸿蒙 inside it)."""
        if not self._chinese:
            return []
        if self._words is None:
            words = jieba.Tokenizer()
            for name in self._chinese:
                words.add_word(name)   # at the frequency that lets jieba cut it out, no higher
            self._words = words
        lowered = text.lower()
        edges = {0} | {end for _, _, end in self._words.tokenize(lowered)}
        taken: list[tuple[int, int, str]] = []
        for name in self._chinese:
            for at in places(lowered, name):
                end = at + len(name)
                if at in edges and end in edges and not any(s < end and at < e for s, e, _ in taken):
                    taken.append((at, end, self._written[name]))
                    break
        return [name for _, _, name in sorted(taken)]


def _versioned(name: str) -> bool:
    """A name of several words one after the first of which mixes letters and digits ("Kimi K2",
    "GPT 4o"), not a version of digits alone ("Claude 3"), which any text holds."""
    return any(any(c.isdigit() for c in w) and any(c.isalpha() for c in w) for w in name.split()[1:])


def _key(name: str) -> str:
    """How a name is looked up: simplified script, lower case."""
    return to_simplified(name).lower()


class Background:
    """Everyday sentences that are not about the summit (corpus/background.txt, embedded with
    the index): a question closer to one of them than to every passage is off-topic."""

    def __init__(self, vectors: np.ndarray | None):
        self.vectors = vectors

    def margin(self, query_vector: np.ndarray, best_passage: float) -> float:
        """How much closer the question is to the transcript than to everyday topics."""
        if self.vectors is None or not len(self.vectors):
            return best_passage
        return best_passage - float((self.vectors @ query_vector.reshape(-1)).max())
