"""Keyword tokens for BM25: traditional -> simplified, jieba words with the corpus's terms,
English words lower-cased and stemmed (Snowball), and English question words mapped to the
transcript's terms through the corpus glossary."""
from __future__ import annotations

import json
import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

import jieba
import opencc
import snowballstemmer

# Function words that carry no topic; removing them keeps BM25 on content words.
_CHINESE_STOPWORDS = """
的 了 是 在 我 我们 你 你们 他 她 它 他们 这 那 这个 那个 这些 那些 就 也 都 和 与 或 或者 而 但 但是
一个 一些 什么 怎么 怎样 如何 为什么 吗 呢 吧 啊 呀 么 之 其 对 对于 把 被 让 给 从 到 向 里 上 下
有 没有 会 能 可能 可以 要 还 又 很 非常 比较 更 最 说 讲 谈 提到 认为 觉得 看 看法 观点 怎么看 哪些 哪个 谁
多少 几 是否 以及 及 等 着 过 得 地 所 为 因为 所以 如果 那么 然后 今天 其实 大家 时候 事情 东西 问题
这么 这样 那样 这种 那种 这边 那边 如此 啥 具体
""".split()
# English: the Snowball / NLTK English stop list, with the pieces jieba cuts contractions into
# ("wouldn't" -> wouldn ' t, "China's" -> china ' s), and the verbs questions ask with.
_ENGLISH_STOPWORDS = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
herself it its itself they them their theirs themselves what which who whom this that these those am is
are was were be been being have has had having do does did doing a an the and but if or because as until
while of at by for with about against between into through during before after above below to from up
down in out on off over under again further then once here there when where why how all any both each
few more most other some such no nor not only own same so than too very s t can will just don should now
d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn
weren won wouldn could would might must shall
said say says think thinks according view views yes tell tells told
""".split()
STOPWORDS = frozenset(_CHINESE_STOPWORDS + _ENGLISH_STOPWORDS)

TOKEN_CACHE_SIZE = 50_000
STEM_CACHE_SIZE = 200_000
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)
_LATIN = re.compile(r"[a-z][a-z0-9.+\-']*")
_HAN = re.compile("[\u4e00-\u9fd5]")                 # the characters jieba's dictionary cuts
_JIEBA_ASCII = re.compile(r"[a-z0-9]+(?:\.\d+)?%?|\S")  # how jieba cuts text without them
_SPELLED = re.compile(r"(?<![\w.])[A-Za-z](?:[_.][A-Za-z])+[_.]?(?![A-Za-z0-9])")   # L_C_D_, U.S., A.I
log = logging.getLogger(__name__)


def is_han(ch: str) -> bool:
    """A Chinese character (CJK unified ideograph)."""
    return "\u4e00" <= ch <= "\u9fff"


_STEMMER = threading.local()  # Snowball stemmers are not thread-safe: one per thread
_WORD = re.compile(r"^[a-z]+(?:'[a-z]+)?$")


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem(token: str) -> str:
    """An English word's Snowball stem ("agents" -> "agent", "coding" -> "code"); other
    tokens (Chinese words, numbers, "gpt-4") unchanged. Kept per word: a large corpus repeats
    its words, and stemming each occurrence again was half of its start-up time."""
    if not _WORD.match(token):
        return token
    if not hasattr(_STEMMER, "english"):
        _STEMMER.english = snowballstemmer.stemmer("english")
    return _STEMMER.english.stemWord(token)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


@lru_cache(maxsize=1)
def _to_mainland() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("s2t"), opencc.OpenCC("tw2sp")


def joined_letters(text: str) -> str:
    """An abbreviation spelled letter by letter is the word: transcripts write "L_C_D_" or
    "U.S." where a question writes LCD or US."""
    return _SPELLED.sub(lambda m: m.group(0).replace("_", "").replace(".", ""), text)


def to_mainland_terms(text: str) -> str:
    """Simplified script and mainland vocabulary (机率 -> 概率, 软体 -> 软件, 程式码 -> 代码), so
    that the summary's Taiwan-style words and a question's words meet in the keyword index."""
    s2t, tw2sp = _to_mainland()
    return tw2sp.convert(s2t.convert(text))


class Tokenizer:
    """jieba with a user dictionary; one instance per corpus folder, loaded lazily and shared."""

    def __init__(self, user_words: list[str], glossary: dict[str, list[str]]):
        self.user_words = user_words
        self.glossary = {k.lower(): v for k, v in glossary.items()}
        self._phrases = sorted((k for k in self.glossary if " " in k or "-" in k), key=len, reverse=True)
        self._alike: dict[str, frozenset[str]] | None = None   # see alike()
        # a Chinese rendering of a term stands for its other renderings ("编程" for "Coding", which
        # a Chinese transcript of the field often writes in English)
        self._renderings: dict[str, list[str]] = {}
        for values in self.glossary.values():
            for v in values:
                if _HAN.search(v):
                    self._renderings.setdefault(v.lower(), []).extend(x for x in values if x != v)
        self._jieba: jieba.Tokenizer | None = None
        self._ascii_words: re.Pattern | None = None   # dictionary words of ASCII ("c++", a corpus term)
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[str, ...]] = {}  # passage sentences recur in every answer

    @classmethod
    def for_corpus(cls, corpus_dir: Path, extra_words: list[str] = (), glossary: bool = True) -> "Tokenizer":
        """The corpus's terms.txt as jieba words, and its glossary.json unless `glossary` is off."""
        terms = corpus_dir / "terms.txt"
        words = [w.strip() for w in terms.read_text(encoding="utf-8").splitlines()
                 if w.strip() and not w.startswith("#")] if terms.exists() else []
        gfile = corpus_dir / "glossary.json"
        terms_of = json.loads(gfile.read_text(encoding="utf-8"))["terms"] if glossary and gfile.exists() else {}
        return cls(words + list(extra_words), terms_of)

    def jieba_tokenizer(self) -> jieba.Tokenizer:
        """The jieba tokenizer with the user dictionary, created once."""
        with self._lock:
            if self._jieba is None:
                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                # the glossary's Chinese renderings are terms too ("长上下文" is cut whole, not "看长")
                for w in list(self.user_words) + list(self._renderings):
                    tk.add_word(w.lower(), freq=2000)
                    tk.add_word(w, freq=2000)
                tk.check_initialized()
                # (a word with a space never comes out of jieba: it cuts at whitespace first)
                ascii_words = sorted({w.lower() for w, f in tk.FREQ.items() if f and w.isascii() and w.split() == [w]},
                                     key=len, reverse=True)
                self._ascii_words = re.compile("|".join(map(re.escape, ascii_words))) if ascii_words else None
                self._jieba = tk
            return self._jieba

    def _words(self, text: str):
        """jieba's words of lower-case text. Text without Chinese characters or an ASCII
        dictionary word is cut as jieba cuts it (runs of letters and digits; the symbols between
        them, which are dropped as punctuation anyway) by one regular expression, some forty
        times faster: an English transcript of a few hundred meetings starts in seconds, not minutes."""
        tk = self.jieba_tokenizer()
        if _HAN.search(text) or (self._ascii_words is not None and self._ascii_words.search(text)):
            return tk.cut_for_search(text)
        return _JIEBA_ASCII.findall(text)

    def tokens(self, text: str) -> list[str]:
        """Content tokens of a passage or question (simplified, lower-case, no stopwords)."""
        with self._lock:
            cached = self._cache.get(text)
        if cached is None:
            mainland = joined_letters(to_mainland_terms(text)).lower()
            cached = tuple(stem(t) for t in (tok.strip() for tok in self._words(mainland))
                           if t and t not in STOPWORDS and not _PUNCT.match(t))
            with self._lock:
                if len(self._cache) >= TOKEN_CACHE_SIZE:
                    self._cache.clear()  # the corpus's sentences fit many times over; rare
                self._cache[text] = cached
        return list(cached)

    def alike(self) -> dict[str, frozenset[str]]:
        """Each token that is a whole rendering of a glossary term -> the tokens of all of that
        term's one-word renderings ("code" <-> "编程": the question's word and the transcript's
        English for it say one thing, and a sentence holding either holds it)."""
        if self._alike is None:
            alike: dict[str, frozenset[str]] = {}
            for key, values in self.glossary.items():
                forms = {f for f in (self._whole(x) for x in (key, *values)) if f}
                if len(forms) > 1:   # joined with the renderings they share with other terms
                    group = frozenset(forms).union(*(alike.get(f, ()) for f in forms))
                    alike.update({f: group for f in group})
            self._alike = alike
        return self._alike

    def _whole(self, term: str) -> str | None:
        """The token a term is as one word (stemmed, lower-case), None if it is several."""
        toks = self.tokens(term)
        whole = stem(joined_letters(to_mainland_terms(term)).lower().strip())
        return whole if whole in toks and all(t == whole or t in whole for t in toks) else None

    def query_tokens(self, text: str) -> list[str]:
        """Tokens of a question, plus the transcript's terms for English words in it and the
        other renderings of a Chinese term in it."""
        low = to_simplified(text).lower()
        extra: list[str] = []
        for phrase in self._phrases:
            if re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", low):
                extra += self.glossary[phrase]
        for word in _LATIN.findall(low):
            for key in (word, word.rstrip("s")):
                if key in self.glossary:
                    extra += self.glossary[key]
                    break
        toks = self.tokens(text)
        extra += [x for t in toks for x in self._renderings.get(t, ())]
        for term in extra:
            toks += self.tokens(term) or [term.lower()]
        return toks
