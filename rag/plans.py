"""How a question is answered: a table of named plans, tried in order; the first that applies
writes the answer. Each plan is a function `(ask, tools) -> Composition | None` (None: does not
apply). Adding a kind of answer is adding a row to PLANS.

    empty          nothing asked                         -> a prompt to type a question
    no_content     "？？", "x"                            -> decline
    unknown_name   names the transcript never mentions   -> decline, naming them
    off_topic      closer to everyday topics             -> decline
    identity       "Who is the moderator?", "What is Kimi?", "Which speaker works at Tencent?" -> the article's introduction of that person
    edge           "唐杰最后说了什么？", "How did the talk open?" -> the last (first) sentences, in order
    roster         "Who are the speakers?", "How many people spoke?" -> everyone who speaks, introduced
    summary        "总结…", "main points", "X讲了什么"    -> 4-6 bullets in source order, cited
    positions      two people named, compare/disagree    -> one cited bullet per person
    not_said_by    X named, the topic is someone else's  -> "X did not talk about this; Y did"
    only_asked     the moderator named, he only asked    -> say so, then who answered
    not_given      a figure/date/place/name not given    -> "The transcript does not give …", declined
    more           "他举了什么例子？", "Can you give an example?" -> more on the last answer's point, from around it
    yes_no         "…吗？", "Does X …?"                   -> 是/否 (Yes/No) first, then the evidence
    why            "为什么…", "Why …?"                     -> the reason given (因为/所以 … sentences)
    next           "还有呢？", "What did he talk about next?" -> what that person said after the last answer's quote
    who            "谁说…", "Who said …?"                 -> the person, then the quote
    view           everything else                       -> the sentence that answers, cited

In a conversation the answers move on: a sentence already quoted (Ask.quoted_before) is not
quoted again unless the question asks for it again (Ask.again); a why-follow-up of a claim
already quoted gives the reason after it, or the speaker's next point.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import cache
from dataclasses import dataclass, replace

import numpy as np

from index.records import EDITOR
from index.sentences import Sentence
from index.tokens import to_simplified
from rag.compose import Composition, Draft
from rag.evidence import SHORT_QUOTE, Evidence, Measured, Quote, Ranking, Scored
from rag.forms import PERSON, Form, Forms
from rag.query import Query, asks_employer, asks_who_said, without_who
from rag.records import Hit
from rag.text import bigrams, letters, quoted_phrases
from rag.wording import detail_name, echoable, joined, say

SUMMARY_POINTS = 6        # bullets of a summary, at most (4-6 expected)
SECTION_NAMED = 0.6       # share of a section title's character pairs a question must hold to name it
LONG_POINT = 80           # characters beyond which a summary point counts as rambling
MIN_TALK_UNITS = 8        # a talk with fewer sentences is a summary of one: all its quotes count
MIN_POINT_CHARS = 15      # a summary bullet shorter than this says too little
MAIN_DEPTH = 10           # a summary's material is the section holding half its best this many sentences
SAME_PART = 0.5           # a summary point's extra likeness to the points when its section is already spoken for
SUPPORTING = 1            # quotes after the first in a plain answer
REASON_REACH = 3          # sentences after the best one searched for the reason it gives
RATE_DEPTH = 5            # best sentences searched for a percentage when a rate is asked for
CLAUSE_MARKS = "，,；;。！？!?：:"   # where a sentence's clauses end
SEMICOLONS = ("；", ";")
HALF = 0.5               # a share of a question's keywords that locates its topic
NAME_LENGTH = 4          # a word of a document's title this long is a name of it ("AI" is not)


@dataclass(frozen=True)
class Ask:
    """Everything a plan may look at for one question."""
    query: Query
    form: Form
    k: int
    allowed: frozenset[str] | None       # the UI's speaker filter
    base: list[Hit]                      # fused ranking of every candidate chunk
    hits: list[Hit]                      # what the user is shown (named speakers lifted)
    vector: np.ndarray                   # the question's embedding (topic)
    weights: dict[str, float]            # the question's keywords and their weights
    named: tuple[str, ...]               # people the question names (within the filter)
    off_topic: bool
    unknown: tuple[str, ...]
    measured: Measured | None            # every sentence unit's figures for this question
    carried: bool = False                # the person was carried over from an earlier turn ("他")
    docs: frozenset[str] | None = None   # the documents asked about (None: all)
    quoted_before: frozenset[tuple[str, int, int]] = frozenset()   # (doc, start, end) quoted earlier in the conversation
    last_lead: tuple[str, int, int] | None = None   # the first quote of the last answer (what "that" is)
    reply: np.ndarray | None = None      # ranked first: the reply to what last_lead asked (Tools.reply_to_last)
    again: bool = False                  # the question asks for an earlier quote again
    specific: bool = True                # the turn asks something of its own (not "还有呢？", "Why?")
    own_words: frozenset[str] = frozenset()   # keyword tokens of what the turn itself asks


class Tools:
    """What plans share: sentence evidence, the speakers, thresholds from the config."""

    def __init__(self, evidence: Evidence, speakers, forms: Forms, config, titles: dict[str, str] | None = None):
        self.evidence, self.speakers, self.forms, self.config = evidence, speakers, forms, config
        self._cue_words: dict[str, frozenset[str]] = {}
        # the names a document goes by (lower-case -> its id), from its title (`titles`: id ->
        # title): its words of NAME_LENGTH characters or more holding a letter ("Davos-Forum" of
        # "2024 年会 Davos-Forum"; not "AI", not a year); a name two titles share names neither
        named: dict[str, set[str]] = {}
        for doc, title in (titles or {}).items():
            for w in title.split():
                if len(w) >= NAME_LENGTH and any(ch.isalpha() for ch in w):
                    named.setdefault(w.lower(), set()).add(doc)
        self.document_names = {w: next(iter(docs)) for w, docs in named.items() if len(docs) == 1}

    def cue_words(self, key: str) -> frozenset[str]:
        """The words of the cues of question_forms.json listed under `key`, tokenised once."""
        if key not in self._cue_words:
            self._cue_words[key] = frozenset(w for cue in self.forms.cues(key) for w in self.evidence.tokenizer.tokens(cue))
        return self._cue_words[key]

    def draft(self, ask: Ask) -> Draft:
        lang = ask.query.lang
        ev = self.evidence
        if lang == "en" and any(key[1] == "en" for key in ev.editions):
            labels = tuple(f"{s.en}: " for s in self.speakers.all if s.en)

            def render(q: Quote) -> str:
                text = ev.rendering(q.chunk.doc_id, q.start, q.end, "en") or ""
                if ev.units[q.first].kind != "introduction":   # "Tang Jie: professor, …" names whom it introduces
                    text = text[len(next((x for x in labels if text.startswith(x)), "")):]   # a turn label
                return ev.inside_quote(ev.units[q.first], text).strip()   # not the editor's lead-in
            return Draft(lang, self.speakers, render)
        return Draft(lang, self.speakers)

    def ranked(self, ask: Ask, keep: Callable[[Sentence], bool] = lambda u: True, chunks=None,
               speakers=None) -> Ranking:
        """The units `keep` accepts, best first, among those of the documents asked about (and of
        these chunks / speakers, if given): a plan names the material it reads."""
        pool = self.evidence.units_of(chunks, speakers, ask.docs)
        return self.evidence.score(ask.measured, self.config.keyword_weight, self.config.passage_weight,
                                   lambda u: self.admits(ask, u) and keep(u), pool, self.config.reply_weight,
                                   ask.reply)

    def reply_to_last(self, ask: Ask) -> np.ndarray | None:
        """After an answer that led with a question put to someone, a follow-up about that
        person ("And what figure did he give?", "他怎么回答的？") is about their reply to it:
        its opening sentences, found once per question (Ask.reply), ranked first by every plan."""
        # (the person carried over, or named and asked how they answered: "X又是怎么回答的？")
        answering = _replier(ask, self) in ask.named
        if not (ask.carried or answering) or ask.last_lead is None:
            return None
        ev = self.evidence
        return np.array([i for i in ev.replies_to(*ask.last_lead) if ev.units[i].speaker in ask.named], dtype=np.int64)

    def admits(self, ask: Ask, u: Sentence) -> bool:
        """Unit u is of the documents asked about and of a speaker the UI's filter allows."""
        return (ask.allowed is None or u.speaker in ask.allowed) and (ask.docs is None or u.doc_id in ask.docs)

    def in_hits(self, ask: Ask, depth: int) -> set[str]:
        return {h.chunk.chunk_id for h in ask.hits[:depth]}


# ------------------------------------------------------------------ declines

def plan_empty(a: Ask, t: Tools) -> Composition | None:
    if a.query.text.strip():
        return None
    return Composition(say("en", "empty") + " / " + say("zh", "empty"), (), (), True)


def has_content(query: Query) -> bool:
    """At least two letters, digits or characters: "x", "？？" or emoji ask nothing."""
    return sum(ch.isalnum() for ch in query.topic) >= 2


def plan_no_content(a: Ask, t: Tools) -> Composition | None:
    if has_content(a.query):
        return None
    return Composition(say(a.query.lang, "off_topic"), (), (), True)


def plan_unknown_name(a: Ask, t: Tools) -> Composition | None:
    if not a.unknown:
        return None
    lang = a.query.lang
    if not echoable(a.unknown):
        return Composition(say(lang, "off_topic"), (), (), True)
    shown = joined(lang, [f"「{n}」" if lang != "en" else n for n in a.unknown])
    return Composition(say(lang, "unknown", names=shown), (), (), True)


def plan_off_topic(a: Ask, t: Tools) -> Composition | None:
    if (not a.off_topic and a.base) or (len(a.named) == 1 and a.base and _vague(a, t)):
        return None   # "杨植麟讲了什么？" asks for that person's points: plan_summary
    return Composition(say(a.query.lang, "off_topic"), (), (), True)


# ------------------------------------------------------------------ material of one or many people

def plan_summary(a: Ask, t: Tools) -> Composition | None:
    """The main points of the material asked about, in source order: chosen by maximal
    marginal relevance (_points), the sentences the article itself chose to quote from that
    material first; a summary quote and its original are one point, with both citations."""
    named_people = [n for n in a.named if n != EDITOR]
    # one person (beside the article, if it is named too: "文章里X讲了什么")
    person = a.named[0] if len(a.named) == 1 else named_people[0] if len(named_people) == 1 else None
    # (read only where it can matter: a summary, a comparison, or a question of no form)
    section = _named_section(a, t, t.evidence.sections) \
        if a.form.plan in ("", "summary", "compare") and not a.query.asks_who else None
    if person == EDITOR and section is not None:
        person = None   # "文章讲「X」的那部分说了什么": that part, whoever speaks in it
    elif person is not None:   # a part they spoke in (a title of a part they did not is a topic)
        section = _persons_section(a, t, person)
    # "杨植麟讲了什么？", "林俊旸在「中国AI的未来」这部分说了什么？", "圆桌对话那一节讲了什么？", and
    # "What was the summit about?" (the document itself, named by what it is): nothing asked
    # beyond the person, the part or the document
    vague = not a.form.plan and not a.query.asks_who and (person is not None or (
        not (set(a.named) - {EDITOR}) and (section is not None or _names_document(a, t)))) \
        and _vague(a, t, _title_words(a, t, section))
    # "关于「X」这个话题，几位嘉宾分别说了什么？": what everyone said in the part the question names
    roundup = a.form.plan == "compare" and person is None and not (set(a.named) - {EDITOR}) \
        and not a.query.asks_who and section is not None
    if a.form.plan != "summary" and not vague and not roundup:
        return None
    # "总结一下会上关于X的讨论" asks about one topic, its nearest summary exemplars tell (a.form.part):
    # what was said about it (of a person, _material picks the part of their words)
    topic = person is None and a.form.part
    units, quoted, named = _material(_one_document(a, t), t, person, section if person else None, topic=topic)
    if not units and not quoted:
        return None
    ev = t.evidence
    points: list[tuple[int, list[int]]] = []   # (position in source order, unit indices cited)
    for s in _points(t, units, quoted, asked=not named):
        twin = next((u for u in (quoted if s in units else units) if ev.similar(s.i, u.i)), None)
        original = s if s in units or twin is None else twin
        group = [original.i] + [x.i for x in (s, twin) if x is not None and x is not original]
        points.append((original.unit.start, group))
    if not points:
        return None
    points.sort()
    d = t.draft(a)
    d.line(say(a.query.lang, "summary" if person else "summary_all", name=d.name(person) if person else ""))
    for _, group in points[:SUMMARY_POINTS]:
        quotes = [ev.quote(i) for i in sorted(group, key=lambda i: ev.units[i].kind.startswith("summary"))]
        d.quote(quotes[0], tuple(quotes[1:]), bullet=True)
    return d.done()


def _one_document(a: Ask, t: Tools) -> Ask:
    """A summary (or a set of positions) is of one document: the one asked about, else the one
    whose passages rank highest among the best ten (each weighing 1 / its rank, so that the
    first few decide and a long document's many middling hits do not). A corpus of one
    document is unchanged."""
    if a.docs is not None or len(t.evidence.documents) < 2 or not a.base:
        return a
    weight: dict[str, float] = {}
    for rank, h in enumerate(a.base[:10], 1):
        weight[h.chunk.doc_id] = weight.get(h.chunk.doc_id, 0.0) + 1 / rank
    return replace(a, docs=frozenset({max(weight, key=weight.get)}))


def _points(t: Tools, units: list[Scored], quoted: list[Scored], asked: bool = True) -> list[Scored]:
    """The points of a summary, by maximal marginal relevance over the sentence embeddings
    (centred on the material's mean, so that their likeness tells its sub-topics apart): each
    next point is the sentence that best says something (salient in the material, close to
    the title of its section, and, if the question `asked` more than the material it names,
    close to the question and holding its words; each figure in standard deviations over the
    material) less its likeness to the points already chosen; a point of the
    same passage, or of a section a point already speaks for, counts as alike, so that the
    points spread over the material's parts. The sentences the article chose to quote are
    taken first (and those it quoted too briefly to be points themselves), the material's own
    after them."""
    ev, cfg = t.evidence, t.config
    quote = {s.i: ev.quote(s.i) for s in quoted + units}
    # a lead-in ("这里简单总结下：") is no point when what it announces is one of its own
    worthy = [[s for s in part if _point_worthy(s.unit) and not ev.unfinished(quote[s.i].last)
               and not (s.unit.leads_in and s.i + 1 in quote)]
              for part in (quoted, units)]
    pool = worthy[0] + worthy[1]
    if not pool:
        return []
    spans = [quote[s.i] for s in pool]
    salient = ev.salience([s.i for s in units + quoted])
    vecs = ev.vectors[[s.i for s in pool]].astype(np.float32)
    vecs -= vecs.mean(axis=0)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    relevance = (cfg.salience_weight * _standard(np.array([salient[s.i] for s in pool]))
                 + asked * _standard(np.array([s.dense + cfg.keyword_weight * s.keyword for s in pool]))
                 + asked * _standard(np.array([s.keyword for s in pool]))
                 + cfg.title_weight * _standard(ev.title_fit[[s.i for s in pool]])
                 - np.array([max(0, len(s.unit.text) - LONG_POINT) / LONG_POINT for s in pool]))
    chunk = np.array([s.unit.chunk_id for s in pool])
    section = np.array([s.unit.section for s in pool])
    likeness = np.full(len(pool), -1.0, dtype=np.float32)
    open_ = np.ones(len(pool), dtype=bool)
    spoken_for = np.zeros(len(pool), dtype=bool)   # of a section a chosen point (or its twin) is in
    # the article chose a sentence if it quoted it, or quoted it too briefly to be a point itself
    # ("20%吧，已经非常乐观了。" for the full reply)
    brief = [q for q in quoted if q not in worthy[0]]
    article = np.array([k < len(worthy[0]) or any(ev.similar(s.i, q.i) for q in brief)
                        for k, s in enumerate(pool)], dtype=bool)
    chosen: list[Scored] = []
    while len(chosen) < SUMMARY_POINTS and open_.any():
        stage = open_ & article if (open_ & article).any() else open_
        gain = np.where(stage, relevance - cfg.summary_diversity * (likeness + SAME_PART * spoken_for), -np.inf)
        k = int(np.argmax(gain))
        chosen.append(pool[k])
        # the point, its twins (a summary quote and its original) and theirs, and what its
        # quote runs over (a lead-in quoted with what follows it)
        twins = [j for j, s in enumerate(pool) if j == k or ev.similar(pool[k].i, s.i)]
        alike = np.array([any(ev.similar(pool[j].i, s.i) for j in twins) or _overlap(spans[k], spans[m])
                          for m, s in enumerate(pool)])
        alike[twins] = True
        open_ &= ~alike
        likeness = np.maximum(likeness, vecs @ vecs[k])
        spoken_for |= np.isin(section, section[alike])
        likeness[chunk == chunk[k]] = 1.0
    return chosen


def _overlap(a: Quote, b: Quote) -> bool:
    return a.chunk.doc_id == b.chunk.doc_id and a.start < b.end and b.start < a.end


def _standard(x: np.ndarray) -> np.ndarray:
    """x in standard deviations from its mean (0 where all are equal, and where x is nan)."""
    known = ~np.isnan(x)
    if not known.any():
        return np.zeros_like(x)
    spread = x[known].std()
    return np.where(known, (x - x[known].mean()) / spread, 0.0) if spread > 0 else np.zeros_like(x)


def _material(a: Ask, t: Tools, person: str | None, part: str | None = None,
              topic: bool = False) -> tuple[list[Scored], list[Scored], bool]:
    """What a summary draws on, in source order: (the material's own sentences, the sentences
    the article quoted from it). For a person: their words (only their talk if the question
    asks about a talk; only one part if it asks about one topic). Otherwise (of the people the
    question names, if it names several): the section the question names, else the one at least
    half the best retrieved passages come from, else, if the question asks about a `topic`, the
    passages retrieval found for it, else everything but questions and headings."""
    people = set(a.named) - {EDITOR} if len(a.named) > 1 else set()

    def usable(u: Sentence) -> bool:
        return u.kind not in ("moderator_question", "heading", "introduction") \
            and (not people or u.speaker in people)

    summary = ("summary_quote", "summary_report")
    named = False   # the question names the section it asks about: its words ask nothing more
    if person:
        mine = t.ranked(a, lambda u: u.speaker == person and usable(u), speakers=[person])
        # a part named by its title ("林俊旸在「中国AI的未来」里说了什么"): only what they said there
        # (`part`: _persons_section, as plan_summary read it)
        mine = [s for s in mine if s.unit.section == part] if part else mine
        # "their talk": the talk they gave, if they gave one (in a meeting, their turns)
        talk = t.forms.has("talk", a.query.rewritten) and any(s.unit.kind in ("talk", "talk_summary") for s in mine)
        direct = [s for s in mine if s.unit.kind not in summary
                  and (not talk or s.unit.kind in ("talk", "talk_summary"))]
        quoted = [s for s in mine if s.unit.kind in summary]
        if talk and direct:  # the article's quotes of this talk only
            quoted = [s for s in quoted if any(t.evidence.similar(s.i, u.i) for u in direct)] \
                if len(direct) >= MIN_TALK_UNITS else quoted
        elif direct and a.form.part:
            # asked about one part ("林俊旸在讨论中国AI前景时说了什么"): the section holding half
            # of their best sentences, if one does; of the article's quotes of them, those of that
            # section's sentences and any that answers better than all of them
            section = _most_of([s.unit.section for s in direct[:MAIN_DEPTH]])   # best first, as ranked
            if section and any(s.unit.section != section for s in direct):
                direct = [s for s in direct if s.unit.section == section]
                quoted = [s for s in quoted if s.score >= direct[0].score
                          or any(t.evidence.similar(s.i, u.i) for u in direct)]
    else:
        everything = t.ranked(a, usable)
        section = _named_section(a, t, {s.unit.section for s in everything})
        named = section is not None
        if section is None:   # (of the people named, the part holding half their best sentences)
            section = _most_of([s.unit.section for s in everything[:MAIN_DEPTH]]) if people \
                else _most_of([h.chunk.section for h in a.base[:MAIN_DEPTH]])
        if section is None and topic:   # "what was said about X": the passages found for X
            found = [h.chunk.chunk_id for h in a.base if a.docs is None or h.chunk.doc_id in a.docs]
            found = set(found[:t.config.topic_passages])
            everything = [s for s in everything if s.unit.chunk_id in found] or everything
        direct = [s for s in everything if s.unit.kind not in summary]
        quoted = [s for s in everything if s.unit.kind in summary]
        if section:
            in_section = [s for s in everything if s.unit.section == section]
            direct = [s for s in in_section if s.unit.kind not in summary] or in_section
            quoted = [s for s in quoted if s.unit.section == section
                      or any(t.evidence.similar(s.i, u.i) for u in direct)]
    order = lambda s: (s.unit.doc_id, s.unit.start)  # noqa: E731
    return sorted(direct, key=order), sorted(quoted, key=order), named


def _persons_section(a: Ask, t: Tools, person: str) -> str | None:
    """The part of the transcript the person spoke in that the question names by its whole title
    (or one half of it); their own section (their talk) is named by naming them."""
    spoke_in = {u.section for u in t.evidence.units if u.speaker == person} - {person}
    return _named_section(a, t, spoke_in, least=1.0)


def _most_of(xs: list[str]) -> str | None:
    """The value at least half of xs hold (the first such in xs), else None."""
    top = max(dict.fromkeys(xs), key=xs.count) if xs else None
    return top if top is not None and xs.count(top) * 2 >= len(xs) else None


def _named_section(a: Ask, t: Tools, sections: set[str], least: float = SECTION_NAMED) -> str | None:
    """The section whose title (or one half of it) the question quotes: most of the title's
    character pairs, in order, or most of the words of the title's rendering in the question's
    language (an English question names "The Future of Chinese AI", not "中国AI的未来");
    `least`: the share that names it. Read in what the
    question is about, names removed: a section titled with a speaker's name is their talk,
    which naming them does not single out."""
    asked = a.query.topic
    rendered = t.evidence.title_words.get(a.query.lang, {})
    words = set(t.evidence.tokenizer.tokens(asked))
    best, share = None, 0.0
    for title in sections:
        found = 0.0
        # the title, or one of its halves ("产业现况" of "产业现况：Chat时代结束，做事时代开始")
        for part in {title, *title.replace(":", "：").split("：")}:
            core = letters(part)
            if len(core) >= 4:
                pairs = bigrams(core)
                found = max(found, sum(p in asked for p in pairs) / len(pairs))
        own = rendered.get(title, frozenset())
        if len(own) >= 2:
            found = max(found, len(own & words) / len(own))
        if found > share:
            best, share = title, found
    return best if share >= least else None


def _point_worthy(u: Sentence) -> bool:
    return len(u.text.rstrip()) >= MIN_POINT_CHARS and not u.asks


def _cue_words(t: Tools, *keys: str) -> set[str]:
    """The words of the cues listed under these keys (tokenised once per key)."""
    return set().union(*(t.cue_words(key) for key in keys))


def _names_document(a: Ask, t: Tools) -> bool:
    """The question speaks of the document itself, by what it is ("the summit", "这次会议") or
    by the name in its title."""
    return bool(_cue_words(t, "document") & set(a.weights) or _documents_named(a.query.topic, t))


def _without_document_names(text: str, t: Tools) -> str:
    """The text less the names of documents it holds (in any case)."""
    for name in t.document_names:
        at = text.lower().find(name)
        while at >= 0:
            text = text[:at] + " " + text[at + len(name):]
            at = text.lower().find(name)
    return text


def _documents_named(text: str, t: Tools) -> frozenset[str]:
    """The ids of the documents whose names the text holds."""
    return frozenset(doc for name, doc in t.document_names.items() if name in text.lower())


def _title_words(a: Ask, t: Tools, section: str | None) -> set[str]:
    """The words of a section's title and of its rendering in the question's language."""
    if section is None:
        return set()
    return set(t.evidence.tokenizer.query_tokens(section)) | t.evidence.title_words.get(a.query.lang, {}).get(section, set())


def _vague(a: Ask, t: Tools, naming: set[str] = frozenset()) -> bool:
    """The question asks nothing in particular of the person it names ("杨植麟讲了什么？", "杨植麟
    强调什么？"), or only about their talk ("唐杰的演讲讲了什么？", "What was Tang Jie's talk about?"),
    or of the document ("What was the summit about?"), beside the words `naming` the part asked
    about: its words are names, verbs of speech and those of a talk or the document."""
    talk = _cue_words(t, "talk", "document", "speech") | set(naming)
    # a person named by name: their organisation after it is a topic ("What did Lin Junyang say
    # about Alibaba?"); before it, it describes them ("智谱的唐杰讲了什么？")
    names = _own_names(a, t) - _topic_organisations(a, t)
    # a Chinese word cut around a name ("篇文章" of "这篇文章") names them too
    return not any(w for w in a.weights
                   if w not in talk and w not in names and not any(n in w for n in names if len(n) >= 2 and not n.isascii()))


def _own_names(a: Ask, t: Tools) -> set[str]:
    """The names of the people the question names and of their organisations."""
    names = set()
    for n in a.named:
        s = t.speakers.by_name.get(n)
        if s:
            names |= {x.lower() for x in (s.name, *s.aliases, *s.organisations, *s.titles)}
    return names


def _topic_organisations(a: Ask, t: Tools) -> set[str]:
    """The organisations a question mentions after the first person it names by name: what it
    asks about ("What did Lin Junyang say about Alibaba?"), not a way of naming them."""
    text = to_simplified(a.query.text)
    mentions = t.speakers.mentions_in(text)
    first = next((e for s, e, _ in mentions if t.speakers.names_one(text[s:e])), None)
    if first is None:
        return set()
    return {text[s:e].lower() for s, e, _ in mentions if s >= first and not t.speakers.names_one(text[s:e])}


def plan_positions(a: Ask, t: Tools) -> Composition | None:
    """Side by side: each person's best sentence on the topic, and one more of the same passage
    if it says nearly as much (a position set up by what others think comes with its answer:
    "有些人会觉得…" then "其实…"), one cited bullet each. Also for a
    yes/no question that compares two or more people named in it ("Do X and Y see it the same
    way?"): whether they agree is for the reader to judge from both positions, not from one
    person's sentence."""
    people = [p for p in a.named if p != EDITOR]
    if EDITOR in a.named and not people:
        return None   # the article's own view, set against the world's: the article answers
    text = a.query.asked or a.query.rewritten   # in simplified script
    if a.query.asks_who and asks_who_said(text):
        return None   # "谁说自己不想掺和这场争论？": one person, who said it
    # "Do X and Y see it the same way?", "为什么X和Y的判断有区别？": both people's positions
    # "X说…，Y也这么看吗？", "Does Y agree with X?": whether Y shares X's view, both positions
    compares = a.form.plan in ("yesno", "why") and any(t.forms.has(k, text) for k in ("compare", "disagreement")) \
        or a.form.plan == "yesno" and t.forms.has("agreement", text)
    if people and (compares or a.form.plan in ("compare", "disagreement")) and not a.carried:
        # "Do Yao and the Qwen lead …?": beside a person, an organisation names the other side
        said = to_simplified(a.query.text)
        pointed = [n for s, e, n in t.speakers.mentions_in(said)
                   if n != EDITOR and not t.speakers.names_one(said[s:e])]
        people += [n for n in dict.fromkeys(pointed) if n not in people]
    if a.form.plan not in ("compare", "disagreement") and not (compares and len(people) >= 2) and (
            len(people) < 2 or a.form.plan or a.query.asks_who or t.speakers.moderators & set(people)):
        return None   # (the moderator and a guest named: the question is about their exchange)
    if len(people) < 2:
        if a.form.plan != "disagreement" and not (a.form.plan == "compare" and not people and not a.query.asks_who):
            return None   # ("Which of the speakers said …?" asks for one person)
        if people and t.forms.has("why", text):
            return None   # why one person sees two things as different: their reasons, not others' positions
        # The others are of the conversation the topic is in: the named person's, else the one
        # retrieval favours.
        theirs = t.ranked(a, lambda u: u.speaker in people and u.kind != "moderator_question",
                          speakers=people) if people else []
        a = replace(a, docs=frozenset({theirs[0].unit.doc_id})) if theirs else _one_document(a, t)
        speakers_ranked = t.ranked(a, lambda u: u.speaker != EDITOR and u.kind != "moderator_question")
        best_of: dict[str, Scored] = {}
        for s in speakers_ranked:
            best_of.setdefault(s.unit.speaker, s)
        if len(best_of) < 2:
            return None
        # The person named is one side, first; the others are those nearest the topic.
        named = [p for p in people if p in best_of]
        top = speakers_ranked[0].score
        others = [p for p, s in best_of.items() if p not in named and s.score >= top - t.config.positions_gap]
        people = named + others[:3 - len(named)]
        if len(people) < 2:
            people = named + [p for p in best_of if p not in named][:2 - len(named)]
    d = t.draft(a)
    d.line(say(a.query.lang, "positions"))
    for p in people:
        # a slide title, or a question put back ("你说百分之几？"), states no position
        theirs = t.ranked(a, lambda u, p=p: u.speaker == p and u.kind != "moderator_question"
                          and _quotable(t, u), speakers=[p])
        if theirs:   # their best sentence, and one of the same passage that says as much ("其实…")
            beside = [theirs[0]] + [s for s in theirs[1:] if s.unit.chunk_id == theirs[0].unit.chunk_id]
            for q, twins in _quotes(a, t, beside, SUPPORTING):
                d.quote(q, twins, bullet=True)
    return d.done() if d.citations else None


# ------------------------------------------------------------------ the wrong person, or no such detail

def plan_not_said_by(a: Ask, t: Tools) -> Composition | None:
    """The person named did not speak to the topic: their best sentence is clearly worse than
    someone else's statement (a question put by another is no statement), none of theirs is the
    closest in meaning to the question, and they did not speak in the exchange where the closest
    one was said (decided by where the content is, not by a rank)."""
    if len(a.named) != 1 or a.named[0] == EDITOR or a.query.asks_who or a.carried or a.query.by_organisation:
        return None   # ("智谱有多少员工？" asks about the company, not what its founder said)
    person = a.named[0]
    # Only statements count: a question another person put on the topic (to the person named,
    # often) does not show that they, rather than the person named, talked about it.
    def statement(u: Sentence) -> bool:
        return u.kind not in ("introduction", "moderator_question") and (u.speaker == person or not u.asks)
    ranked = t.ranked(a, statement)
    theirs = next((s for s in ranked if s.unit.speaker == person), None)
    other = next((s for s in ranked if s.unit.speaker not in (person, EDITOR)), None)
    # the question's words: said as fully by them as by anyone, they talked about it; said by
    # others and never by them, their best sentence need only rank below another's. "那杨植麟呢？"
    # (a turn asking nothing of its own) puts the earlier question, worded after the person
    # the last answer quoted, to another: its words are weighed against everyone but that person
    led = _last_lead_units(a, t) if not a.specific else []
    echoed = t.evidence.units[led[0]].speaker if led and t.evidence.units[led[0]].speaker != person else None
    words, own = _keyword_shares(a, t, person, lambda u: statement(u) and u.speaker != echoed)
    # where no one's sentence holds even half of it (the person echoed included: when the words
    # only they said are most of it, the others holding the common ones is no sign), half
    # as much as anyone's will do ("杨植麟强调的技术路径是什么？": said in words of their own)
    echo = _keyword_shares(a, t, echoed, lambda u: statement(u) and u.speaker == echoed)[0] if echoed else 0.0
    if words > 0 and (own >= words or (max(words, echo) < HALF and own >= HALF * words)):
        return None
    margin = 0.0 if words > 0 and own == 0 else t.config.not_said_margin
    if other is None or (theirs is not None and theirs.score >= other.score - margin):
        return None
    closest = max((s for s in ranked if s.unit.speaker != EDITOR), key=lambda s: s.dense)
    if closest.unit.speaker == person:   # what they said is the nearest in meaning: they did talk about it
        return None
    if person in t.evidence.speakers_around(closest.i, t.config.exchange_turns):
        return None   # they spoke in the exchange where the topic is: they took part in it
    if person in t.speakers.moderators and theirs is None:
        return None   # the moderator asked it: plan_only_asked says so
    # the pointer still shows the topic is theirs: clearly above the person named
    pointer = _moving_on(a, t, ranked, other, (theirs.score if theirs is not None else -np.inf) + t.config.not_said_margin)
    d = t.draft(a)
    if a.form.plan == "yesno":   # "…出自唐杰吗？", "Was it Tang Jie who said …?": no, someone else did
        d.line(say(a.query.lang, "no"))
    lead = say(a.query.lang, "not_said", name=d.name(person))
    d.line(lead + say(a.query.lang, "not_said_other" if pointer else "not_said_above", other=d.name(other.unit.speaker)))
    if pointer:
        d.quote(t.evidence.quote(pointer.i))
    return d.done(abstained=True, speakers=None if pointer else (other.unit.speaker,))


def _last_lead_units(a: Ask, t: Tools) -> list[int]:
    """The units of the last answer's first quote, in order ([] if it gave none)."""
    return t.evidence.within(*a.last_lead) if a.last_lead is not None else []


def _keyword_shares(a: Ask, t: Tools, person: str, keep: Callable[[Sentence], bool]) -> tuple[float, float]:
    """The largest share of the question's keywords (each weighted by its rarity) a unit `keep`
    accepts holds (the editor's own words aside), and the largest one of `person`'s holds."""
    words = own = 0.0
    shares = t.evidence.rare_shares(a.weights, a.query.lang)
    for i in np.flatnonzero(shares).tolist():
        u = t.evidence.units[i]
        if u.speaker != EDITOR and t.admits(a, u) and keep(u):
            words = max(words, shares[i])
            if u.speaker == person:
                own = max(own, shares[i])
    return words, own


def plan_only_asked(a: Ask, t: Tools) -> Composition | None:
    """The moderator is named, but on this topic he only asked: his sentence closest to it is a question."""
    mod = a.named[0] if len(a.named) == 1 and a.named[0] in t.speakers.moderators else None
    if not mod or _asks_about_asking(a, t):   # (a guest named too: their exchange)
        return None
    # (another's line that only asks back, "您是说百分之多少？", says nothing on it)
    ranked = t.ranked(a, lambda u: u.speaker == mod or (u.speaker != EDITOR and _quotable(t, u)))
    mine = [s for s in ranked if s.unit.speaker == mod][:1]
    if not mine or any(s.unit.kind != "moderator_question" for s in mine):
        return None
    best = next((s for s in ranked if s.unit.speaker != mod), None)
    answer = _moving_on(a, t, ranked, best, best.score - t.config.not_said_margin) if best else None
    d = t.draft(a)
    other = "only_asked_other" if answer else "only_asked_above" if best else ""
    d.line(say(a.query.lang, "only_asked", name=d.name(mod))
           + (say(a.query.lang, other, other=d.name(best.unit.speaker)) if other else ""))
    if answer:
        d.quote(t.evidence.quote(answer.i))
    # with no quote, the one named as speaking to it is the answer's speaker
    return d.done(abstained=True, speakers=(best.unit.speaker,) if best and not answer else None)


def _moving_on(a: Ask, t: Tools, ranked: list[Scored], best: Scored, floor: float) -> Scored | None:
    """The pointer of a decline in a conversation: a sentence of `best`'s speaker not quoted yet
    that scores above `floor`, else `best` if it was not quoted either, else None (the reader
    has it above: the decline names where the topic is instead of quoting it again)."""
    said = set() if a.again else _said_before(a, t)
    fresh = next((s for s in ranked if s.unit.speaker == best.unit.speaker and s.score > floor
                  and not _repeats(t, s.i, said)), None)
    return fresh or (None if _repeats(t, best.i, said) else best)


def _asks_about_asking(a: Ask, t: Tools) -> bool:
    return t.forms.asks_about_asking(a.query.rewritten)


def plan_not_given(a: Ask, t: Tools) -> Composition | None:
    """A figure, date, place or name is asked for and none of the best sentences holds one."""
    kind = _detail_asked(a)
    if not kind:
        return None
    # Whether the transcript gives it does not depend on what the conversation quoted; the
    # context offered with the decline moves on if it can.
    ranked = _answerers(a, t, fresh=False)
    if not ranked or _gives(a, t, kind, ranked[0]):   # _answerers put a sentence giving it first
        return None
    # preferably not a sentence holding such a detail (on another matter: the decline would seem
    # to quote what it says is missing)
    fresh = _answerers(a, t) if a.quoted_before else ranked   # the same ranking outside a conversation
    # (not a sentence quoted before that _answerers let back in for holding such a detail)
    said = _said_before(a, t)
    fresh = [s for s in fresh if not _repeats(t, s.i, said)] or fresh
    context = next((s for s in fresh[: t.config.detail_depth] if not _gives(a, t, kind, s)), fresh[0])
    d = t.draft(a)
    lang = a.query.lang
    # and the other details asked for beside it that the best sentence does not give either
    missing = [kind] + [k for k in a.form.also if not _gives(a, t, k, ranked[0])]
    named = joined(lang, [detail_name(lang, k) for k in missing])
    d.line(say(lang, "not_given", detail=named) + say(lang, "not_given_context"))
    d.quote(t.evidence.quote(context.i))
    for j in t.evidence.announced(context.i):   # a lead-in ("会议汇集了") with what it announces
        d.quote(t.evidence.quote(j))
    return d.done(abstained=True)


def _detail_asked(a: Ask) -> str:
    """The kind of detail one sentence must give ("" if none): not for a summary or a
    comparison, nor for a who-question, whose answer is the speaker (the transcript always says
    who spoke; "Who named X as …" asks for a person, not for a name said)."""
    if a.form.plan in ("summary", "compare", "disagreement") or a.query.asks_who:
        return ""
    return a.form.detail


def _gives(a: Ask, t: Tools, kind: str, s: Scored) -> bool:
    """Whether a sentence gives the detail asked for about the topic: it holds one of that kind
    the question does not already state (a name or a place: in a clause on the topic), and for
    a count, one of its figures counts the thing asked about (in the sentence; in English, its
    translation names it)."""
    text = t.evidence.quote(s.i).text
    if kind == "choice":   # names one of the alternatives (in the sentence or its translation)
        rendering = (t.evidence.rendering(s.unit.doc_id, s.unit.start, s.unit.end, "en") or "").lower()
        return any(c in text or c.lower() in rendering for c in a.form.choices)
    asked = to_simplified(a.query.asked or a.query.rewritten)
    if kind in ("name", PERSON):   # the names of the people asked about and of their organisations
        asked += " " + " ".join(_own_names(a, t))   # are stated, in any rendering ("Alibaba": 阿里)
    # A figure or a date qualifies the whole statement ("7月28号做了一件事情，…，把…整合在一起了");
    # a name or a place names one thing, in its clause ("ChatGPT在…，Claude写了这个项目…").
    spans = _topical(a, t, text) if kind in ("name", PERSON, "place") else [text]
    if not any(t.forms.holds(kind, c, asked) for c in spans):
        return False
    noun = a.form.noun
    if not noun:
        return True
    if noun.isascii() and not t.forms.names_rate(noun) and not t.forms.names_money(noun):
        # (a rate or a sum of money: a percentage or a currency, whatever the translation calls it)
        rendering = t.evidence.rendering(s.unit.doc_id, s.unit.start, s.unit.end, "en")
        stem = noun.rstrip("s")
        return rendering is None or stem in rendering.lower()
    return t.forms.counts(text, noun, asked)


def _topical(a: Ask, t: Tools, text: str) -> list[str]:
    """The clauses of a sentence about the question's topic: those sharing a word with it, each
    with a fragment next to it ("2019年，我们实验室…": a bare date or place belongs to its
    neighbour), and a clause between two such (the topic runs on through it: "…给出了这一页PPT，
    就是《远景》，未来30年…"); the whole sentence if no clause shares a word."""
    clauses = _clauses(text)
    shares = [bool(set(t.evidence.tokenizer.tokens(c)) & a.weights.keys()) for c in clauses]
    if not any(shares):
        return [text]
    beside = lambda k: [shares[j] for j in (k - 1, k + 1) if 0 <= j < len(clauses)]  # noqa: E731
    return [c for k, c in enumerate(clauses)
            if shares[k] or (len(c.strip()) < SHORT_QUOTE and any(beside(k))) or beside(k) == [True, True]]


def _clauses(text: str) -> list[str]:
    """The text cut at clause and sentence punctuation."""
    for mark in CLAUSE_MARKS[1:]:
        text = text.replace(mark, CLAUSE_MARKS[0])
    return [c for c in text.split(CLAUSE_MARKS[0]) if c.strip()]


# ------------------------------------------------------------------ answers

def _answerers(a: Ask, t: Tools, fresh: bool = True) -> list[Scored]:
    """Sentences of the retrieved passages (of the person named, if any: all their sentences,
    those of the retrieved passages lifted by the passage prior), best first; the
    moderator's questions only when the question is about what was asked; the article's own
    words last for who-questions; with `fresh`, none already quoted in the conversation."""
    depth = max(a.k, 8)
    chunks = t.in_hits(a, depth)
    asking = _asks_about_asking(a, t)
    # a person named by their organisation ("智谱有多少员工？") only helped find the company's passages
    person = a.named[0] if a.named and not a.query.by_organisation else None
    moderating = [n for n in a.named if n in t.speakers.moderators]
    guests = [n for n in a.named if n not in t.speakers.moderators]
    if len(a.named) > 1 and moderating and len(guests) == 1 and _replier(a, t) == guests[0]:
        person, asking = guests[0], False   # "主持人问X…，X怎么回答的？": X's reply, not what was asked
    elif len(a.named) > 1 and moderating:
        # the moderator named beside a guest ("主持人请X…时提到了什么？"): what he said to them
        person, asking = moderating[0], True

    def keep(u: Sentence) -> bool:
        if (person is None and u.chunk_id not in chunks) or u.kind == "heading" or t.evidence.title_like(u):
            return False
        if (u.kind == "moderator_question" and person != u.speaker or t.evidence.asks_back(u)) and not asking:
            return False
        return person is None or u.speaker == person
    ranked = t.ranked(a, keep, speakers=[person]) if person else t.ranked(a, keep, chunks=chunks)
    if not ranked and person is not None:
        ranked = t.ranked(a, lambda u: u.speaker == person, speakers=[person])
    section = _named_section(a, t, {s.unit.section for s in ranked}) if person else None
    if section:   # "What did X say in the closing discussion about …?": what they said there first
        ranked = [s for s in ranked if s.unit.section == section] + [s for s in ranked if s.unit.section != section]
    if a.query.asks_who:   # who used the words the question quotes, else not the article's narration
        phrases = quoted_phrases(a.query.asked or a.query.rewritten)
        ranked = ([s for s in ranked if any(p in s.unit.text for p in phrases)]
                  or [s for s in ranked if s.unit.speaker != EDITOR] or ranked)
        if t.forms.has("asking", a.query.rewritten):   # "谁追问了…？": who put the question, not who answered it
            ranked = [s for s in ranked if s.unit.asks] + [s for s in ranked if not s.unit.asks]
    kind = _detail_asked(a)
    if fresh and not a.again:
        # moving on: not a sentence this conversation already quoted, unless it gives the figure,
        # date, place or name asked for, or a turn asking something of its own, however short, is
        # answered clearly better by it and asks about it, in its own words ("他举电动车的例子是想
        # 说明什么？", "他还谈了什么新架构？")
        said = _said_before(a, t)
        new = [s for s in ranked if _new_or_giving(a, t, kind, s, said)]
        again = _answered_before(a, t, ranked, new, said) if new else None
        ranked = [again] + [s for s in new if s.i != again.i] if again is not None else new or ranked
    if kind:
        # a question asking for a figure, date, place or name is answered by a sentence holding one
        head = ranked[: t.config.detail_depth]
        giving = [s for s in head if _gives(a, t, kind, s)]
        if not giving and a.form.noun:
            # a figure of the thing named is often the sentence after the one on the thing, in
            # its paragraph ("机率没那么大，但真的有可能。20%吧，已经非常乐观了。"); a figure of
            # no thing named (a year) or a name there would answer another question
            after = {s.i + 1: s.unit.speaker for s in head if t.evidence.same_paragraph(s.i, s.i + 1)}
            giving = [s for s in ranked if after.get(s.i) == s.unit.speaker and _gives(a, t, kind, s)]
            if not giving and t.forms.names_rate(a.form.noun):
                # a rate ("概率", "odds") is given by a percentage alone, a figure too rare on other
                # matters to answer another question: one a little lower will do
                giving = [s for s in ranked[:RATE_DEPTH] if _gives(a, t, kind, s)]
        if not giving and not a.specific:
            # a detail asked of nothing else ("有具体数字吗？", "When was that?") is one of what the
            # last answer led with: sought in the paragraph it quoted
            near = {(t.evidence.units[j].doc_id, t.evidence.units[j].para) for j in _last_lead_units(a, t)}
            giving = [s for s in ranked if (s.unit.doc_id, s.unit.para) in near and _gives(a, t, kind, s)]
        ranked = giving + [s for s in ranked if s not in giving]
    return ranked


def _replier(a: Ask, t: Tools) -> str | None:
    """Whom a question asks how they answered: the last person named before its cue of answering
    ("主持人问X…，X是怎么回答的？", "他怎么答？" after X: X; "李广密是怎么回应X的？": 李广密); None if it
    asks no such thing or names no one before it."""
    text = to_simplified(a.query.asked or a.query.rewritten)
    at = t.forms.reply_at(text)
    if at is None:
        return None
    before = [name for start, _, name in t.speakers.mentions_in(text) if start < at]
    return before[-1] if before else None


def _answered_before(a: Ask, t: Tools, ranked: list[Scored], new: list[Scored], said: set[int]) -> Scored | None:
    """Of the sentences quoted before (`ranked` less `new`), the best one holding the turn's own
    words among those clearly above the best new one (if any): a turn asking something of its
    own is answered by it again ("他举了什么例子？" when the example was in the sentence quoted).
    If that one is the article's version of a sentence the conversation quoted, not itself quoted,
    the sentence quoted instead (whatever it scores): the reader was shown it, and it may hold more."""
    if not a.own_words:
        return None
    floor = new[0].score + t.config.repeat_margin if new else -np.inf
    clear = itertools.takewhile(lambda s: s.score > floor, ranked)
    best = next((s for s in clear if _repeats(t, s.i, said)
                 and t.evidence.mentions(s.i, a.own_words, a.query.lang)), None)
    if best is None or best.i in said:
        return best
    # a twin of a sentence quoted (the article's shorter summary of it): the sentence the reader
    # was shown, which may hold more than its summary does
    return next((s for s in ranked if s.i in said and t.evidence.similar(s.i, best.i)), best)


def _new_or_giving(a: Ask, t: Tools, kind: str, s: Scored, said: set[int]) -> bool:
    """Sentence s was not quoted in the conversation before (`said`), or it gives the figure,
    date, place or name asked for (`kind`): moving on lets it back in."""
    return not _repeats(t, s.i, said) or bool(kind and _gives(a, t, kind, s))


def _said_before(a: Ask, t: Tools) -> set[int]:
    """Units inside a span quoted earlier in the conversation."""
    return {i for span in a.quoted_before for i in t.evidence.within(*span)}


def _repeats(t: Tools, i: int, said: set[int]) -> bool:
    """Unit i was quoted before, or says what a quoted unit said (a summary quote of it)."""
    return i in said or any(t.evidence.similar(i, j) for j in said)


def _quotes(a: Ask, t: Tools, ranked: list[Scored], extra: int) -> list[tuple[Quote, tuple[Quote, ...]]]:
    """The best sentence and up to `extra` more of the same speaker that add something, from its
    own paragraph too (what a point is about is often the sentence beside it); a sentence saying
    the same as one chosen joins it as a second citation."""
    ev = t.evidence
    lead = ranked[0]
    # the answer (the lead, with the sentence it runs on into) may be a sentence quoted before;
    # a supporting quote is new, or gives the detail asked for
    said = set() if a.again else _said_before(a, t)
    kind = _detail_asked(a)
    items = ev.announced(lead.i)
    if items:   # "中国也许的机会：" says nothing on its own: what it announces is the answer
        return [(ev.quote(lead.i), ())] + [(ev.quote(j), ()) for j in items]
    chosen: list[tuple[Scored, list[Scored]]] = [(lead, [])]
    beside = _neighbour(t, ranked, lead)
    spans = {lead.i: _with_neighbour(t, lead, beside)}
    if beside is not None and extra and not _overlap(spans[lead.i], ev.quote(beside.i)) \
            and _new_or_giving(a, t, kind, beside, said):
        # too long to run the lead on into: the sentence beside it is the next quote
        chosen.append((beside, []))
        spans[beside.i] = ev.quote(beside.i)
    for s in ranked[1:]:
        # a twin: says the same, or is (part of) a chosen quote (a list item ending in "；" is
        # quoted with the next one; the next one is no quote of its own)
        twin = next((c for c in chosen if _says_again(t, spans[c[0].i], s.i)), None)
        if twin is not None:
            if s.unit.chunk_id != twin[0].unit.chunk_id and len(twin[1]) < 1:
                twin[1].append(s)
            continue
        # (a fragment, "会议汇集了" above a list, says nothing on its own: no supporting quote)
        if len(chosen) <= extra and s.unit.speaker == lead.unit.speaker and _new_or_giving(a, t, kind, s, said) \
                and s.score >= lead.score - t.config.supporting_gap and not ev.unfinished(ev.quote(s.i).last):
            chosen.append((s, []))
            spans[s.i] = ev.quote(s.i)
    # a twin cites the sentence that says the same, not what its quote would run on to; the
    # article's excerpt of a sentence ("我非常懊悔为什么当时没有催他去做。") shows the speaker's
    # sentence it was cut from ("但我今天还在阿里巴巴，…我非常懊悔…"), and cites itself beside it
    out = []
    for s, twins in chosen:
        quote, cited = spans[s.i], tuple(ev.quote(x.i, run_on=False) for x in twins)
        if cited and s.unit.kind.startswith("summary") and not twins[0].unit.kind.startswith("summary") \
                and letters(quote.text) in letters(cited[0].text):
            quote, cited = cited[0], (ev.quote(s.i, run_on=False),) + cited[1:]
        out.append((quote, cited))
    return out


def _says_again(t: Tools, quote: Quote, i: int) -> bool:
    """Unit i is (part of) the quote, or says what one of its sentences says (its twin elsewhere)."""
    ev = t.evidence
    return _overlap(quote, ev.quote(i)) or any(ev.similar(j, i) for j in range(quote.first, quote.last + 1))


def _with_neighbour(t: Tools, lead: Scored, best: Scored | None) -> Quote:
    """The lead's quote, run on over `best`, the sentence before or after it that scores within
    adjacent_gap of it (_neighbour), if any: what a sentence is about is often the sentence beside
    it ("Omni的模型…能够理解文本、视觉、音频" before "如果做到三进三出…"). A sentence before it that
    is quoted with what follows it (a lead-in, a question) is that quote."""
    ev = t.evidence
    quote = ev.quote(lead.i)
    if best is None:
        return quote
    beside = ev.quote(best.i)
    if beside.first < quote.first and beside.last >= quote.last and beside.chunk.chunk_id == quote.chunk.chunk_id:
        return beside
    return ev.joined(quote, beside) or quote


def _neighbour(t: Tools, ranked: list[Scored], lead: Scored) -> Scored | None:
    """The sentence right before or after the lead's quote, in its paragraph, scoring within
    adjacent_gap of it (the best such), if any; for a short lead pointing back ("这是我们的
    思考。"), the sentence before it."""
    ev = t.evidence
    quote = ev.quote(lead.i)
    if quote.first == quote.last and not _point_worthy(lead.unit) and t.forms.points_back(lead.unit.text) \
            and ev.same_paragraph(lead.i - 1, lead.i) and ev.units[lead.i - 1].speaker == lead.unit.speaker:
        # "这是我们对To C上的思考。" points back: what it says is the sentence before it, whatever that scores
        before = next((s for s in ranked if s.i == lead.i - 1), None)
        if before is not None:
            return before
    near = {quote.first - 1, quote.last + 1}
    close = itertools.takewhile(lambda s: s.score >= lead.score - t.config.adjacent_gap, ranked)   # best first
    return next((s for s in close if s.i in near and ev.units[s.i].para == lead.unit.para), None)


def plan_yes_no(a: Ask, t: Tools) -> Composition | None:
    if a.form.plan != "yesno":
        return None
    ranked = _answerers(a, t)
    if not ranked:
        return None
    quotes = _quotes(a, t, ranked, 0)
    # the deciding sentence, not its neighbour, unless the quote runs on into a sentence turning
    # against it ("有些人会觉得…好像已经超过美国了。其实…差距也许还在拉大"): the speaker's own view.
    # Not a clause after a semicolon: "对于toC…；但对于toB…" sets two parts side by side
    units = t.evidence.units
    deciding = t.evidence.quote(ranked[0].i).text
    lead = quotes[0][0]
    turn = next((j for j in range(ranked[0].i + 1, lead.last + 1)
                 if t.forms.turns_against(units[j].text) and not units[j - 1].text.rstrip().endswith(SEMICOLONS)),
                None)
    if turn is not None:
        deciding = t.evidence.quote(turn, run_on=False).text
    question = a.query.asked or a.query.rewritten
    if t.forms.other_figures(to_simplified(question), _figure_clauses(a, t, deciding)):
        agrees = False   # "是30%吗？" answered by "我觉得是20%吧"
    elif t.forms.has("mention", question):
        agrees = True    # "林俊旸在这方面说过什么吗？": the plans before this one decline what nobody (or another) said
    else:
        agrees = (t.forms.negations(deciding) > 0) == (t.forms.asked_negations(question) > 0)
    d = t.draft(a)
    d.line(say(a.query.lang, "yes" if agrees else "no"))
    for q, twins in quotes:
        d.quote(q, twins)
    return d.done()


def _figure_clauses(a: Ask, t: Tools, text: str) -> str:
    """Where a sentence states figures of several things ("…优化器带来两倍…提升，而新架构…速度优势
    达6到10倍"), the clauses holding one that share most of the question's words (weighed by
    rarity): a figure belongs to its clause. The whole sentence if fewer than two clauses hold a
    figure, or none shares a word."""
    clauses = [c for c in _clauses(text) if t.forms.details("number", c)]
    if len(clauses) < 2:
        return text
    shares = [sum(a.weights.get(w, 0.0) for w in set(t.evidence.tokenizer.tokens(c))) for c in clauses]
    if max(shares) <= 0:
        return text
    return "，".join(c for c, v in zip(clauses, shares) if v == max(shares))


def plan_why(a: Ask, t: Tools) -> Composition | None:
    """The reason given: the best sentence, then the sentence that explains it: reading on in
    its paragraph, the first that gives a reason (因为/所以, because/so …), else the one right
    after it, where explanations usually are. When the claim ends its paragraph (it concludes
    what came before: "…但难点在于…仍需人工判断。当前RLVR面临的挑战是：可验证场景正在逐渐耗尽。"),
    the sentence right before it, unless that one's quote runs on into the claim; then, or when
    this conversation has quoted the claim already ("他为什么这么认为？", or a why in the turn's own
    words of the sentence quoted, the best of all), the answer to a why the claim puts itself,
    else its sentence that gives a reason itself ("…有限，所以…"), else the part of its quote not
    quoted yet, else the sentence giving a reason right after it (even if quoted with it), else
    the same speaker's sentence around it that is closest to the question. A
    question is no claim unless its quote runs on into its answer; a turn with words of its own
    is answered from them, not from the claim of the last answer, and when the best new sentence
    answers a why its speaker put just before it ("…为什么是三年呢？他说…"), that is the answer. A
    claim found in the article's version of a sentence reads the reason around the speaker's own."""
    if a.form.plan != "why":
        return None
    # a question ("这个机会有没有可能再来一次？…会不会发生在这里？") gives no reason and is no
    # claim to explain, unless its quote runs on into its answer ("…为什么是三年呢？他说…")
    ev = t.evidence
    answering = list(_answerers(a, t))
    ranked = [s for s in answering if not ev.units[ev.quote(s.i).last].asks] or answering
    if not ranked:
        return None
    # "这个例子想说明什么？" asks what a remark was meant to show: the remark (even if quoted
    # already: the question is about it), then what it leads to
    point = a.form.purpose
    said = set() if a.again else _said_before(a, t)
    # "他为什么这么说？", and "他为什么这么坚持？" (a word of its own, but pointing back): the claim is what the last answer led with
    lead = _lead_of_last_answer(a, t) if said and (not a.specific or (a.query.earlier and not point and len(a.own_words) <= 1)) else None
    # every sentence, quoted or not (read once, and only where needed)
    everything = cache(lambda: _answerers(a, t, fresh=False) if said else answering)
    top = everything()[0] if said and lead is None else None   # the best of all
    overall = top if point or not a.specific else None
    claim = overall if not a.specific else None
    if top is not None and claim is None and not point and not _answers_why(t, ranked[0].i):
        # "他为什么说X？" in its own words, X a sentence quoted just before: the best of all
        # holding its words, if quoted, is the claim it asks a reason for
        if _repeats(t, top.i, said) and top.score >= ranked[0].score \
                and t.evidence.mentions(top.i, a.own_words, a.query.lang):
            claim = top
    best = lead or (claim if claim is not None and _repeats(t, claim.i, said) else ranked[0])
    if point and overall is not None:
        best = overall
    excerpt = best
    if best.unit.kind.startswith("summary"):
        # the article's quote or report of a sentence: its reason is around the speaker's own
        best = next((s for s in everything() if not s.unit.kind.startswith("summary") and ev.similar(s.i, best.i)), best)
    # quoted already and not quoted again: the claim a reason is asked for; but the best sentence
    # that moving on let back in (the turn asks about it in its own words) is the answer
    again = _repeats(t, best.i, said) and not point and best is not ranked[0]
    quoted = ev.quote(best.i)
    after = [j for j in ev.neighbours(best.i, 0, REASON_REACH) if j > quoted.last and not _repeats(t, j, said)]
    reason = next((j for j in after if t.forms.gives_reason(ev.units[j].text) or _answers_why(t, j)), None)
    if again:   # the claim quoted before gives its own reason ("…有限，所以…决定智能上限"): that answers
        claim = _last_lead_units(a, t) if best is lead else range(quoted.first, quoted.last + 1)
        # (the answer to a why it puts itself first: "…为什么是三年呢？他说…")
        own = next((j for j in claim if _answers_why(t, j) and j - 1 in claim), None)
        if own is None:
            giving = _best_of(a, t, [j for j in claim if t.forms.gives_reason(ev.units[j].text)], best.unit.speaker)
            own = giving.i if giving is not None else None
        reason = own if own is not None else reason
    if reason is None and not after and not again and any(_answers_why(t, j) for j in range(quoted.first, quoted.last + 1)):
        # the claim answers a why its speaker put just before it, and its paragraph ends: the
        # answer goes on in their next paragraph if that is on the question's topic, not back in
        # the question
        j = quoted.last + 1
        nxt = ev.units[j] if j < len(ev.units) else None
        if nxt is not None and (nxt.doc_id, nxt.section, nxt.speaker) == (best.unit.doc_id, best.unit.section, best.unit.speaker) \
                and not _repeats(t, j, said) and ev.mentions(j, a.own_words or frozenset(a.weights), a.query.lang):
            reason = j
    if reason is None and not after and not again:   # the claim concludes
        j = quoted.first - 1
        if j >= 0 and ev.units[j].para == best.unit.para and ev.units[j].speaker == best.unit.speaker \
                and not _repeats(t, j, said) and ev.quote(j).last < quoted.first:
            reason = j
    if reason is None and again:
        # the claim's quote runs on into its answer ("…为什么是三年呢？他说我们需要三年时间才能
        # 流片。"): what the conversation has not quoted of it yet
        reason = next((j for j in range(best.i + 1, quoted.last + 1) if not _repeats(t, j, said)), None)
    if reason is None and again:
        # the reason right after it was quoted with it ("…这个说法很贴切。" then "因为…"): asked for
        # now, it is the answer, quoted again
        reason = next((j for j in ev.neighbours(best.i, 0, REASON_REACH) if j > quoted.last
                       and t.forms.gives_reason(ev.units[j].text)), None)
    if reason is None and again:   # the claim asked about again: what it goes on to say, if it says something
        reason = next((j for j in after if _point_worthy(ev.units[j])), None)
    if reason is None and (not after or again):
        reason = _closest_around(a, t, best, quoted, said)
    if reason is None and after:
        reason = after[0]
    if best is not excerpt and reason is not None and reason != best.i and _repeats(t, reason, said):
        # the speaker's own sentence runs on into a reason the conversation quoted before (with the
        # article's version of the claim): what follows, not that again (a claim holding its own
        # reason, "…，因为…", is still the answer to why it was said)
        reason = after[0] if after else None
    d = t.draft(a)
    d.line(say(a.query.lang, "point" if point else "why", name=d.name(best.unit.speaker)))
    if not again:
        d.quote(quoted)
    elif reason is None:   # nothing around the claim: the same speaker's next passage
        reason = next((j for j in range(best.i + 1, min(len(ev.units), best.i + 4 * REASON_REACH))
                       if ev.units[j].speaker == best.unit.speaker and ev.units[j].doc_id == best.unit.doc_id
                       and not _repeats(t, j, said)), None)
    if reason is not None:
        explained = ev.quote(reason, run_on=False) if quoted.first <= reason <= quoted.last else ev.quote(reason)
        if again or explained.last < quoted.first or explained.first > quoted.last:
            d.quote(explained)
    return d.done() if d.citations else None


def _answers_why(t: Tools, j: int) -> bool:
    """Sentence j answers a why its speaker has just put in the same paragraph ("…为什么要开源出去？
    他跟我说7B很消耗机器资源，…"): what follows a why-question gives the reason, whatever its words."""
    ev = t.evidence
    return j > 0 and ev.same_paragraph(j - 1, j) and ev.units[j - 1].asks and t.forms.has("why", ev.units[j - 1].text)


def _lead_of_last_answer(a: Ask, t: Tools) -> Scored | None:
    """"他为什么这么说？" / "Why did he say that?" (a follow-up with nothing of its own, or one word
    of its own pointing back: "他为什么这么坚持？") asks about what the last answer led with: its
    first quote's first sentence, scored for this question."""
    first = _last_lead_units(a, t)[:1]
    if not first:
        return None
    u = t.evidence.units[first[0]]
    if a.named and u.speaker not in a.named:   # "那姚顺雨呢？" after "他为什么这么谨慎？" asks it of another person
        return None
    return _best_of(a, t, first, u.speaker)


def _closest_around(a: Ask, t: Tools, best: Scored, quoted: Quote, said: set[int]) -> int | None:
    """Of the same speaker's sentences within REASON_REACH of the claim, in its section, not
    quoted in the conversation, the one that scores best for the question."""
    ev, u = t.evidence, best.unit
    around = [j for j in range(max(0, best.i - REASON_REACH), min(len(ev.units), best.i + REASON_REACH + 1))
              if not quoted.first <= j <= quoted.last and ev.units[j].doc_id == u.doc_id
              and ev.units[j].section == u.section and ev.units[j].speaker == u.speaker
              and ev.units[j].kind != "heading" and not ev.asks_back(ev.units[j]) and not _repeats(t, j, said)]
    near = _best_of(a, t, around, u.speaker)
    return near.i if near is not None else None


def _best_of(a: Ask, t: Tools, units: list[int], speaker: str) -> Scored | None:
    """Of these units (all `speaker`'s), the one that scores best for the question; None if none."""
    places = {(t.evidence.units[j].doc_id, t.evidence.units[j].start) for j in units}
    if not places:
        return None
    return next(iter(t.ranked(a, lambda v: (v.doc_id, v.start) in places, speakers=[speaker])), None)


def _thread_lead(a: Ask, t: Tools) -> list[int]:
    """For a turn asking nothing of its own of the one person the last answer quoted (its
    person carried over, not asked again): the units of that answer's first quote; else []."""
    if a.specific or not a.carried or a.again or len(a.named) != 1:
        return []
    lead = _last_lead_units(a, t)
    return lead if lead and t.evidence.units[lead[0]].speaker == a.named[0] else []


def _quotable(t: Tools, u: Sentence) -> bool:
    """A sentence that can be quoted as something said: no heading, slide title or question put back."""
    return u.kind != "heading" and not t.evidence.title_like(u) and not t.evidence.asks_back(u)


def _point_and_next(a: Ask, t: Tools, first: int, candidates: set[int]) -> Composition:
    """Unit `first` quoted, and the one after its quote if that is a candidate in its paragraph
    (a point often takes two sentences)."""
    ev, d = t.evidence, t.draft(a)
    quote = ev.quote(first)
    d.quote(quote)
    after = quote.last + 1
    if after in candidates and ev.same_paragraph(quote.last, after):
        d.quote(ev.quote(after))
    return d.done()


def plan_next(a: Ask, t: Tools) -> Composition | None:
    """"还有呢？", "接下来他谈到了什么？", "Anything else?": a turn asking nothing of its own of the
    person the last answer was about asks what they said next. Their sentences after the last
    answer's first quote, in its section, not quoted in the conversation yet: the first that
    makes a point, and the one after it in its paragraph. Not a turn asking for a figure, date,
    place or name ("差了多少？"): the sentence giving it answers, wherever it is."""
    lead = _thread_lead(a, t) if not _detail_asked(a) else []
    if not lead:
        return None
    ev = t.evidence
    u, said = ev.units[lead[0]], _said_before(a, t)
    following = itertools.takewhile(lambda j: ev.units[j].doc_id == u.doc_id and ev.units[j].section == u.section,
                                    range(lead[-1] + 1, len(ev.units)))
    theirs = [j for j in following if ev.units[j].speaker == u.speaker and t.admits(a, ev.units[j])
              and _quotable(t, ev.units[j]) and not _repeats(t, j, said)]
    first = next((j for j in theirs if _point_worthy(ev.units[j])), None)
    return None if first is None else _point_and_next(a, t, first, set(theirs))


def plan_more(a: Ask, t: Tools) -> Composition | None:
    """"他举了什么例子？", "Can you give an example?", "具体说说？": a turn asking nothing of its own
    but more on the point the last answer made, of the person it quoted. Their sentences in that
    quote's paragraph and the ones either side of it (in its section: an example often comes
    before the point it leads to), not quoted in the conversation yet: the one that best
    answers the turn (asked for an example, of those that give one, if any: "比如…", a question
    put to make one included), and the one after it in its paragraph."""
    if a.form.detail or not t.forms.has("elaborate", to_simplified(a.query.text)):
        return None
    example = t.forms.has("example", to_simplified(a.query.text))
    lead = _thread_lead(a, t)
    if not lead:
        return None
    ev = t.evidence
    said = _said_before(a, t)
    # the quote's place, and where the article's summary quote was said in full (its original
    # runs on in the talk, where the example often is)
    places = [(ev.units[lead[0]], ev.units[lead[-1]])] + [(ev.units[j], ev.units[j]) for j in _originals(t, lead)]

    def keep(u: Sentence) -> bool:
        return any(u.doc_id == first.doc_id and u.section == first.section and first.para - 1 <= u.para <= last.para + 1
                   for first, last in places) \
            and _quotable(t, u) and (_point_worthy(u) or example and u.asks and t.forms.has("example", u.text))
    ranked = t.ranked(a, keep, speakers=[ev.units[lead[0]].speaker])
    new = [s for s in ranked if not _repeats(t, s.i, said)]
    again = _answered_before(a, t, ranked, new, said)
    if example and not any(t.forms.has("example", s.unit.text) for s in new):
        # none new gives an example: the one a quote gave in passing (not one it led with, the
        # example an earlier turn asked for), where the talk says it is one (a summary quote's
        # original, "一个很典型的例子是…"), else as quoted
        led = [units[0] for span in a.quoted_before if (units := ev.within(*span))]
        giving = [s for s in ranked if t.forms.has("example", s.unit.text)
                  and not any(s.i == j or ev.similar(s.i, j) for j in led)]
        again = next((s for s in giving if s.i not in said), next(iter(giving), again))
    if again is not None:   # the example asked for was in the quote the last answer gave
        d = t.draft(a)
        d.quote(t.evidence.quote(again.i))
        return d.done()
    if example:   # (sorted is stable: best first among those giving an example, then the rest)
        new = sorted(new, key=lambda s: not t.forms.has("example", s.unit.text))
    return _point_and_next(a, t, new[0].i, {s.i for s in new}) if new else None


def _originals(t: Tools, units: list[int]) -> list[int]:
    """Where the article's summary quotes among `units` were said in full: the sentences of the
    same speaker, outside the summary, saying the same."""
    ev = t.evidence
    quoted = [i for i in units if ev.units[i].kind.startswith("summary")]
    return [j for j, u in enumerate(ev.units) if quoted and not u.kind.startswith("summary")
            and any(u.speaker == ev.units[i].speaker and ev.similar(i, j) for i in quoted)]


def plan_identity(a: Ask, t: Tools) -> Composition | None:
    """"Who is the moderator?", "What is Kimi?", "谁是李广密？": who one person is, in the
    article's introduction of them (named with any of their names or organisations), else in
    their first words. "Which speaker works at Tencent?": the one person known by that
    organisation (_member_asked)."""
    person = a.query.about or _member_asked(a, t)
    if not person or person == EDITOR:
        return None
    a = _one_document(a, t)
    ev = t.evidence
    intro = _introductions(a, t).get(person)
    own = next((i for i in ev.units_of(None, [person], a.docs).tolist() if ev.units[i].kind != "heading"), None)
    if intro is None and own is None:
        return None
    d = t.draft(a)
    if intro is None and asks_employer(to_simplified(a.query.text), t.speakers):
        # whom they work for, which only an introduction would say: not given; who they are beside it
        lang = a.query.lang
        d.line(say(lang, "not_given", detail=detail_name(lang, "name")) + say(lang, "not_given_context"))
        d.quote(ev.quote(own))
        return d.done(abstained=True)
    s = t.speakers.by_name.get(person)
    role = (s.role_en if a.query.lang == "en" else s.role) if s is not None and intro is None else ""
    d.line(say(a.query.lang, "identity_role", name=d.name(person), role=role) if role
           else say(a.query.lang, "identity", name=d.name(person)))
    d.quote(ev.quote(intro if intro is not None else own))   # (without one, what they said first)
    return d.done()   # said by whoever is quoted: the article, for its introduction


def _member_asked(a: Ask, t: Tools) -> str:
    """"Which speaker works at Tencent?", "谁是阿里的？": a who-question naming one organisation (no
    person) that one person of the transcript is known by, and asking nothing else (its other
    words are people and affiliation cues, one at least): that person; else "". Not "谁提到了阿里？"
    (who spoke of it), nor "Who founded Alibaba?" (a role the person may not have)."""
    if not a.query.asks_who or a.query.followup:
        return ""
    text = to_simplified(a.query.text)
    if t.forms.has("speech", text):
        return ""
    found = t.speakers.mentions_in(text)
    if not found or len({name for *_, name in found}) != 1 or any(t.speakers.names_one(text[s:e]) for s, e, _ in found):
        return ""
    for s, e, _ in reversed(found):
        text = text[:s] + " " + text[e:]
    rest = t.evidence.tokenizer.query_tokens(without_who(text))
    belonging = set(rest) & _cue_words(t, "affiliation")
    # ("谁是阿里的？": nothing but the organisation)
    return found[0][2] if (belonging or not rest) and all(w in _cue_words(t, "people", "affiliation") for w in rest) else ""


def _introductions(a: Ask, t: Tools) -> dict[str, int]:
    """Each person's introduction by the article: its first introduction, else narration, naming them."""
    ev = t.evidence
    units = ev.units_of(None, None, a.docs).tolist()
    # the article's introductions first, then its narration ("现为腾讯AI新部门负责人的姚顺雨")
    intros = sorted((i for i in units if ev.units[i].speaker == EDITOR and ev.units[i].kind in ("introduction", "narration")),
                    key=lambda i: ev.units[i].kind != "introduction")
    out: dict[str, int] = {}
    for s in t.speakers.all:
        names = {x for x in (s.name, *s.aliases) if x}
        found = next((i for i in intros if any(n in ev.units[i].text for n in names)), None)
        if found is not None:
            out[s.name] = found
    return out


def plan_edge(a: Ask, t: Tools) -> Composition | None:
    """"唐杰最后说了什么？", "How did Tang Jie open his talk?", "How did the summit end?": a
    question asking nothing but how one person (their talk, if it asks about a talk), or the
    document, ended or began: their last (first) point-worthy sentences, in order."""
    if a.form.plan or a.form.detail or a.query.asks_who or a.query.followup:
        return None
    words = set(a.weights)
    ending, opening = _cue_words(t, "ending") & words, _cue_words(t, "opening") & words
    if bool(ending) == bool(opening):
        return None
    person = a.named[0] if len(a.named) == 1 and a.named[0] != EDITOR else None
    if person is None and (a.named and a.named != (EDITOR,) or not _names_document(a, t) and not a.named):
        return None
    named = _named_section(a, t, t.evidence.sections)
    if not _vague(a, t, ending | opening | _title_words(a, t, named)):
        return None
    a = _one_document(a, t)
    ev = t.evidence
    # of the part the question names, if it names one ("圆桌对话最后说了什么？")
    part = _persons_section(a, t, person) if person else named
    pool = [i for i in ev.units_of(None, [person] if person else None, a.docs).tolist()
            if _quotable(t, ev.units[i]) and len(ev.units[i].text.strip()) >= MIN_POINT_CHARS and ev.units[i].kind not in (
                "introduction", "moderator_question", "summary_quote", "summary_report")
            and (part is None or ev.units[i].section == part)]
    if person and t.forms.has("talk", a.query.rewritten):
        pool = [i for i in pool if ev.units[i].kind in ("talk", "talk_summary")] or pool
    if not pool:
        return None
    picked = pool[-2:] if ending else pool[:2]
    d = t.draft(a)
    for i in picked:
        d.quote(ev.quote(i, run_on=False))
    return d.done()


def plan_roster(a: Ask, t: Tools) -> Composition | None:
    """"Who are the speakers?", "嘉宾都有谁？": a who-question naming nobody and asking nothing
    but who the people are (its words are the people-group cues, "the speakers", "嘉宾们") gets
    everyone who speaks in the document, in order of appearance, each with the article's
    introduction of them, else their first words."""
    # ("How many people spoke?", "一共有几位嘉宾？": how many there are, and who)
    counting = a.form.detail == "number"
    if not (a.query.asks_who or counting) or a.named or not a.weights or a.query.followup:
        return None
    # "Who are the speakers?", "Who spoke at the summit?": people, speaking, and the document
    # (named by its title too: "Who spoke at <its name>?"); "Who attended?", but not "How many
    # attended?" (an audience too)
    group = _cue_words(t, "compare", "speech", "document", "people", *(() if counting else ("attending",)))
    if any(w not in group for w in t.evidence.tokenizer.query_tokens(_without_document_names(without_who(a.query.topic), t))):
        return None
    named = _documents_named(a.query.topic, t)   # the document the question names, if it names one
    a = replace(a, docs=named) if named and a.docs is None else _one_document(a, t)
    ev = t.evidence
    units = ev.units_of(None, None, a.docs).tolist()   # in source order
    first: dict[str, int] = {}   # each person's first sentence; dicts keep the order of appearance
    for i in units:
        if ev.units[i].speaker != EDITOR and ev.units[i].kind != "heading":
            first.setdefault(ev.units[i].speaker, i)
    intros = _introductions(a, t)
    d = t.draft(a)
    d.line(say(a.query.lang, "roster_count", n=len(first)) if counting and len(first) > 1 else say(a.query.lang, "roster"))
    for person, own in first.items():
        d.quote(ev.quote(intros.get(person, own)), bullet=True)
    return d.done(speakers=tuple(first)) if d.citations else None


def plan_who(a: Ask, t: Tools) -> Composition | None:
    if not a.query.asks_who:
        return None
    # "Who said so?", "这是谁说的？" (a turn asking nothing of its own): who said what the last
    # answer led with, not whoever the earlier question would find now ("这是谁问他的？" asks who
    # put the question answered)
    lead = None if a.specific or a.query.among or a.query.besides or _asks_about_asking(a, t) \
        else _lead_of_last_answer(a, t)
    if lead is not None and lead.unit.speaker != EDITOR:
        d = t.draft(a)
        d.line(say(a.query.lang, "who", name=d.name(lead.unit.speaker)))
        d.quote(t.evidence.quote(lead.i))
        return d.done(speakers=(lead.unit.speaker,))
    # "姚顺雨跟林俊旸谁更看好？": one of them, from all they said
    ranked = list(t.ranked(a, lambda u: u.kind != "heading" and _quotable(t, u), speakers=list(a.query.among))) \
        if a.query.among else _answerers(a, t)
    if not ranked:
        return None
    d = t.draft(a)
    who = ranked[0].unit.speaker
    d.line(say(a.query.lang, "who", name=d.name(who)) if who != EDITOR else say(a.query.lang, "who_article"))
    for q, twins in _quotes(a, t, ranked, SUPPORTING):
        d.quote(q, twins)
    # of the people it chooses between, the others' best lines too: the reader weighs them
    others = dict.fromkeys(s.unit.speaker for s in ranked if s.unit.speaker != who) if a.query.among else {}
    for other in others:
        if other in d.order:   # cited already (a sentence saying the same as the answer's)
            continue
        theirs = [s for s in ranked if s.unit.speaker == other]
        for q, twins in _quotes(a, t, theirs, 0):
            d.quote(q, twins)
    return d.done(speakers=(who,) + tuple(s for s in d.order if s != who))


def plan_view(a: Ask, t: Tools) -> Composition | None:
    ranked = _answerers(a, t)
    if not ranked:
        return None
    d = t.draft(a)
    for q, twins in _quotes(a, t, ranked, SUPPORTING):
        d.quote(q, twins)
    return d.done()


PLANS: tuple[tuple[str, Callable[[Ask, Tools], Composition | None]], ...] = (
    ("empty", plan_empty),
    ("no_content", plan_no_content),
    ("unknown_name", plan_unknown_name),
    ("off_topic", plan_off_topic),
    ("identity", plan_identity),
    ("edge", plan_edge),
    ("roster", plan_roster),
    ("summary", plan_summary),
    ("positions", plan_positions),
    ("not_said_by", plan_not_said_by),
    ("only_asked", plan_only_asked),
    ("not_given", plan_not_given),
    ("more", plan_more),
    ("yes_no", plan_yes_no),
    ("why", plan_why),
    ("next", plan_next),
    ("who", plan_who),
    ("view", plan_view),
)


def answer(a: Ask, t: Tools) -> tuple[str, Composition]:
    """The first plan that applies, and what it wrote."""
    for name, plan in PLANS:
        out = plan(a, t)
        if out is not None:
            return name, out
    return "off_topic", Composition(say(a.query.lang, "off_topic"), (), (), True)
