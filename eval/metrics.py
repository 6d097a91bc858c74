"""The metrics of ../shared/eval-schema.md, and this project's stricter ones: pure functions
over plain records.

Matching. A passage "contains" an evidence string when, after removing all whitespace from
both, the evidence is a substring of the passage, either as written or after OpenCC
traditional-to-simplified conversion of both sides. A key fact is "found" in the answer the
same way, Latin letters compared case-insensitively.

Declined types: `unanswerable`, `detail_missing` and `wrong_speaker` must be declined; every
other type must be answered.

Per question:
- hit@k (k = 1, 3, 5): 1 if one of the first k hits contains an evidence string, else 0.
- MRR@10: 1 / rank of the first of the first 10 hits that contains an evidence string, else 0.
  Both are defined whenever the question has evidence (declined types too: a `wrong_speaker`
  question's evidence is where the topic really is).
- citation precision, passage: share of citations whose passage (the whole chunk) contains an
  evidence string; quote: share of citations whose quoted span overlaps (in corpus offsets)
  the place of an evidence string in that passage; speaker-consistent: share of citations
  spoken by one of `speakers`. An answerable question answered with no citation scores 0.
- attribution accuracy (defined when `speakers` is not empty): 1 if and only if
    the answer names a first speaker (`answer.speakers[0]`) and it is one of `speakers`,
    AND every citation's speaker is one of `speakers`,
    AND for a `compare` or `disagreement` question with two or more expected speakers, the set
    of citation speakers equals the set of `speakers` (each side is cited).
  For a declined type this is the pointer the decline gives ("X did not say it; Y did [1]").
- abstention accuracy: 1 if `abstained` is True exactly when the type is a declined type.
- key-fact coverage: share of `key_facts` found in the answer text (undefined without key facts),
  or in the verbatim quote of a citation whose marker [n] the answer shows: an answer that gives
  a quote in translation (an English reader's) carries the original in its citation.
- yes/no accuracy (`yesno` questions): the answer starts with the right word: 是/否 or Yes/No.
- key-point coverage (summaries): share of `key_points` with one of their phrasings in the answer
  (or in a shown citation's quote, as for key facts).
- summary passages (summaries): distinct passages cited that are spoken by one of `speakers`;
  "summary ≥4 passages" is 1 when there are 4 or more.
- repeated quote (follow-up turns): 1 when the turn shows a quote overlapping (same document,
  corpus offsets) a quote an earlier turn of its conversation showed, else 0; lower is better.
  It needs the earlier turns' answers, so it is set over a whole run (`repeats`), not by `score`.
- error: 1 when answering raised. Such a question scores 0 on every metric it has, abstention
  included: an error is a failure, never a correct non-abstention.
- latency: wall time of the answer in milliseconds.

Aggregation: each metric is the mean of its defined per-question values, overall and per
`type`, `lang`, `split`, tag, and conversation turn (first turns vs follow-up turns); latency is
summarised by its p50 and p95 (linear interpolation).
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from eval.dataset import Question

TYPES = ("fact", "who", "speaker-view", "compare", "number", "followup", "summary", "yesno", "why",
         "disagreement", "unanswerable", "detail_missing", "wrong_speaker")
SIDE_BY_SIDE = ("compare", "disagreement")   # every expected speaker must be cited
LANGS = ("zh", "zh-hant", "en")
# name in the metrics dicts -> label in tables; latency is summarised separately
METRICS = {
    "hit@1": "evidence hit@1",
    "hit@3": "evidence hit@3",
    "hit@5": "evidence hit@5",
    "mrr@10": "MRR@10",
    "citation_precision_strict": "citation precision (passage)",
    "citation_precision_quote": "citation precision (quote)",
    "citation_precision_speaker": "citation precision (speaker)",
    "attribution_accuracy": "attribution accuracy",
    "abstention_accuracy": "abstention accuracy",
    "key_fact_coverage": "key-fact coverage",
    "yesno_accuracy": "yes/no accuracy",
    "key_point_coverage": "summary key-point coverage",
    "summary_passages": "summary: distinct cited passages",
    "summary_four_passages": "summary: 4+ cited passages",
    "repeated_quote": "follow-ups repeating an earlier quote",
    "error_rate": "errors",
}
LATENCY = {"latency_p50_ms": "latency p50 (ms)", "latency_p95_ms": "latency p95 (ms)"}
_SCORE_FIELD = {  # metrics name -> Scores field
    "hit@1": "hit_at_1", "hit@3": "hit_at_3", "hit@5": "hit_at_5", "mrr@10": "mrr_at_10",
    "citation_precision_strict": "citation_strict", "citation_precision_quote": "citation_quote",
    "citation_precision_speaker": "citation_speaker",
    "attribution_accuracy": "attribution", "abstention_accuracy": "abstention",
    "key_fact_coverage": "key_facts", "yesno_accuracy": "yesno", "key_point_coverage": "key_points",
    "summary_passages": "summary_passages", "summary_four_passages": "summary_four",
    "repeated_quote": "repeated", "error_rate": "error",
}


@dataclass(frozen=True)
class Passage:
    """A retrieved or cited passage, as far as the metrics care; a citation also carries its
    quote's corpus offsets and where its passage starts."""
    speaker: str
    text: str
    chunk_id: str = ""
    section: str = ""
    quote_start: int = -1
    quote_end: int = -1
    chunk_start: int = -1
    quote: str = ""
    doc_id: str = ""
    n: int = 0          # its marker [n] in the answer (0: its position among the citations)

    @classmethod
    def cited(cls, c: dict) -> "Passage":
        return cls(c["speaker"], c["text"], c.get("chunk_id", ""), c.get("section", ""),
                   int(c.get("start", -1)), int(c.get("end", -1)), int(c.get("chunk_start", -1)),
                   c.get("quote", ""), c.get("doc_id", ""), int(c.get("n") or 0))


@dataclass(frozen=True)
class Result:
    """What came back for one question."""
    id: str
    answer: str
    abstained: bool
    speakers: tuple[str, ...]
    citations: tuple[Passage, ...]
    hits: tuple[Passage, ...]   # ranked, best first
    latency_ms: float
    error: str = ""             # what answering raised, if it did

    @classmethod
    def from_json(cls, qid: str, obj: dict, latency_ms: float) -> "Result":
        """From the object `rag ask --json` prints (`Answer.to_json()`), or {"error": ...}."""
        return cls(qid, obj.get("answer", ""), bool(obj.get("abstained")), tuple(obj.get("speakers", ())),
                   tuple(Passage.cited(c) for c in obj.get("citations", ())),
                   tuple(Passage(h["speaker"], h["text"]) for h in obj.get("hits", ())), float(latency_ms),
                   str(obj.get("error", "")))


@dataclass(frozen=True)
class Scores:
    hit_at_1: float | None
    hit_at_3: float | None
    hit_at_5: float | None
    mrr_at_10: float | None
    citation_strict: float | None
    citation_speaker: float | None
    attribution: float | None
    abstention: float
    key_facts: float | None
    latency_ms: float
    citation_quote: float | None = None
    yesno: float | None = None
    key_points: float | None = None
    summary_passages: float | None = None
    summary_four: float | None = None
    error: float = 0.0
    repeated: float | None = None

    def to_json(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------------------- matching

_WS = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc
    return opencc.OpenCC("t2s")


def squeeze(text: str) -> str:
    """The text without any whitespace."""
    return _WS.sub("", text)


@lru_cache(maxsize=65536)
def simplified(text: str) -> str:
    """The text without whitespace, converted traditional -> simplified."""
    return _t2s().convert(squeeze(text))


def contains(text: str, needle: str, ignore_case: bool = False) -> bool:
    """`needle` occurs in `text` once whitespace is removed, as written or after t2s of both."""
    n, t = squeeze(needle), squeeze(text)
    if not n:
        return False
    ns, ts = simplified(needle), simplified(text)
    if ignore_case:
        n, t, ns, ts = n.casefold(), t.casefold(), ns.casefold(), ts.casefold()
    return n in t or ns in ts


def has_evidence(text: str, evidence: tuple[str, ...]) -> bool:
    return any(contains(text, e) for e in evidence)


def first_evidence_rank(hits: tuple[Passage, ...], evidence: tuple[str, ...], depth: int = 10) -> int | None:
    """1-based rank of the first of the first `depth` hits containing an evidence string."""
    for rank, hit in enumerate(hits[:depth], start=1):
        if has_evidence(hit.text, evidence):
            return rank
    return None


# ------------------------------------------------------------------------------ per question

def attribution_ok(question: Question, result: Result) -> bool:
    """The rule of the module docstring."""
    expected = set(question.speakers)
    if not result.speakers or result.speakers[0] not in expected:
        return False
    cited = {c.speaker for c in result.citations}
    if not cited <= expected:
        return False
    if question.type in SIDE_BY_SIDE and len(expected) > 1:
        return cited == expected
    return True


def evidence_spans(passage: Passage, evidence: tuple[str, ...]) -> list[tuple[int, int]]:
    """Corpus offsets of every place an evidence string occurs in a cited passage (whitespace
    ignored), from the passage's own start offset."""
    if passage.chunk_start < 0:
        return []
    keep = [i for i, ch in enumerate(passage.text) if not ch.isspace()]
    flat = "".join(passage.text[i] for i in keep)
    spans = []
    for e in evidence:
        needle = squeeze(e)
        at = flat.find(needle) if needle else -1
        while at >= 0:
            s, t = keep[at], keep[at + len(needle) - 1] + 1
            spans.append((passage.chunk_start + s, passage.chunk_start + t))
            at = flat.find(needle, at + 1)
    return spans


def quote_hits_evidence(passage: Passage, evidence: tuple[str, ...]) -> bool:
    """Whether the quoted span overlaps the place of an evidence string."""
    if passage.quote_start < 0 or passage.quote_end <= passage.quote_start:
        return False
    return any(s < passage.quote_end and passage.quote_start < e for s, e in evidence_spans(passage, evidence))


_OPENING = {"yes": ("是", "是的", "yes"), "no": ("否", "不是", "no")}


def says_yes_or_no(answer: str) -> str:
    """"yes" or "no" when the answer opens with one of its words (是/是的/Yes, 否/不是/No) as a
    word of its own (followed by punctuation, a space or the end), else ""."""
    head = answer.lstrip(" \n「“\"*#").casefold()
    for label in ("no", "yes"):  # 不是 before 是
        for word in sorted(_OPENING[label], key=len, reverse=True):
            rest = head[len(word):len(word) + 1]
            if head.startswith(word) and (not rest or not rest.isalnum()):
                return label
    return ""


def score(question: Question, result: Result) -> Scores:
    """Every per-question score of one result."""
    if result.error:
        return _failed(question, result)
    declined_right = float(result.abstained == (not question.answerable))
    facts = None
    shown = result.answer + "".join(c.quote for c in shown_citations(result))
    if question.key_facts:
        found = sum(contains(shown, f, ignore_case=True) for f in question.key_facts)
        facts = found / len(question.key_facts)
    yesno = float(says_yes_or_no(result.answer) == question.yesno) if question.yesno else None
    points = passages = four = None
    if question.key_points:
        points = sum(any(contains(shown, alt, ignore_case=True) for alt in point)
                     for point in question.key_points) / len(question.key_points)
    if question.type == "summary":
        own = {c.chunk_id or c.text for c in result.citations if c.speaker in question.speakers}
        passages, four = float(len(own)), float(len(own) >= 4)
    hit, mrr = [None] * 3, None
    if question.evidence:
        rank = first_evidence_rank(result.hits, question.evidence, 10)
        hit = [float(rank is not None and rank <= k) for k in (1, 3, 5)]
        mrr = 1.0 / rank if rank else 0.0
    attribution = float(attribution_ok(question, result)) if question.speakers else None
    strict = quote = by_speaker = None
    cites = result.citations
    if cites and question.evidence:
        strict = sum(has_evidence(c.text, question.evidence) for c in cites) / len(cites)
        quote = sum(quote_hits_evidence(c, question.evidence) for c in cites) / len(cites)
    if cites and question.speakers:
        by_speaker = sum(c.speaker in question.speakers for c in cites) / len(cites)
    if question.answerable and not cites:  # answered with nothing cited: nothing cited right
        strict = quote = by_speaker = 0.0
    return Scores(*hit, mrr, strict, by_speaker, attribution, declined_right, facts, result.latency_ms,
                  quote, yesno, points, passages, four, 0.0)


def shown_citations(result: Result) -> list[Passage]:
    """The citations whose marker [n] the answer shows (n: the citation's own number, else its
    position)."""
    return [c for k, c in enumerate(result.citations, start=1) if f"[{c.n or k}]" in result.answer]


def shown_quotes(result: Result) -> list[tuple[str, int, int]]:
    """(document, start, end) of each shown citation's quote."""
    return [(c.doc_id, c.quote_start, c.quote_end) for c in shown_citations(result) if c.quote_start >= 0]


def repeats(rows: list[tuple[Question, Result]]) -> list[float | None]:
    """Per row: for a follow-up turn, 1.0 when it shows a quote overlapping one that an earlier
    turn of its conversation (a row of the same conversation with a lower turn) showed, or when
    answering it raised (an error fails every metric), else 0.0; None for other rows and for a
    follow-up none of whose earlier turns is among the rows. A decline that quotes nothing
    repeats nothing."""
    shown: dict[str, list[tuple[int, list[tuple[str, int, int]]]]] = {}
    for q, r in rows:
        if q.conversation:
            shown.setdefault(q.conversation, []).append((q.turn, shown_quotes(r)))
    out: list[float | None] = []
    for q, r in rows:
        earlier = [span for turn, quotes in shown.get(q.conversation, []) if turn < q.turn for span in quotes]
        if not q.history or not any(turn < q.turn for turn, _ in shown.get(q.conversation, [])):
            out.append(None)
        elif r.error:
            out.append(1.0)
        else:
            out.append(float(any(_overlapping(mine, theirs) for mine in shown_quotes(r) for theirs in earlier)))
    return out


def _overlapping(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    """Two (document, start, end) spans share a character."""
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def _failed(question: Question, result: Result) -> Scores:
    """An answer that raised: 0 on every metric the question has."""
    has_ev, has_sp = bool(question.evidence), bool(question.speakers)
    zero = lambda defined: 0.0 if defined else None  # noqa: E731
    return Scores(zero(has_ev), zero(has_ev), zero(has_ev), zero(has_ev), zero(has_ev), zero(has_sp),
                  zero(has_sp), 0.0, zero(bool(question.key_facts)), result.latency_ms, zero(has_ev),
                  zero(bool(question.yesno)), zero(bool(question.key_points)),
                  zero(question.type == "summary"), zero(question.type == "summary"), 1.0)


def what_went_wrong(question: Question, scores: Scores) -> list[str]:
    """Short reasons a question counts as failed; empty when it passed."""
    if scores.error:
        return ["answering raised an error"]
    reasons = []
    if scores.abstention < 1:
        reasons.append("declined an answerable question" if question.answerable
                       else "answered a question it should decline")
    if question.answerable and question.evidence and not scores.hit_at_5:
        reasons.append("no evidence in the top 5 hits")
    if scores.attribution is not None and not scores.attribution:
        reasons.append("wrong attribution")
    if scores.key_facts is not None and scores.key_facts < 1:
        reasons.append(f"key facts {scores.key_facts:.0%} covered")
    if scores.yesno is not None and not scores.yesno:
        reasons.append("no right yes/no first")
    if scores.key_points is not None and scores.key_points < 0.7:
        reasons.append(f"key points {scores.key_points:.0%} covered")
    return reasons


# ------------------------------------------------------------------------------ aggregation

def mean(values: list[float | None]) -> float | None:
    """The mean of the defined values, None when there are none."""
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summarize(rows: list[tuple[Question, Scores]]) -> dict:
    """The metrics of one group of questions."""
    out: dict = {"n": len(rows), "n_answerable": sum(q.answerable for q, _ in rows)}
    for name, attr in _SCORE_FIELD.items():
        out[name] = mean([getattr(s, attr) for _, s in rows])
    latencies = [s.latency_ms for _, s in rows]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


def turn_group(q: Question) -> str:
    """Where a question stands in a conversation: alone, a first turn, or a follow-up turn."""
    if not q.conversation and not q.history:
        return "single"
    return "follow-up turn" if q.history else "first turn"


def aggregate(rows: list[tuple[Question, Scores]]) -> dict:
    """Overall and per type, language, split, tag and conversation turn (splits only when the
    questions have one)."""
    def by(key, order=()) -> dict:
        groups: dict[str, list] = {}
        for q, s in rows:
            for g in key(q):
                groups.setdefault(g, []).append((q, s))
        names = [g for g in order if g in groups] + sorted(g for g in groups if g not in order)
        return {g: summarize(groups[g]) for g in names}

    def field(name):
        return lambda q: [getattr(q, name)] if getattr(q, name) else []

    return {"overall": summarize(rows), "by_type": by(field("type"), TYPES), "by_lang": by(field("lang"), LANGS),
            "by_split": by(field("split"), ("dev", "test")), "by_tag": by(lambda q: list(q.tags)),
            "by_turn": by(lambda q: [turn_group(q)], ("single", "first turn", "follow-up turn"))}


def difference(project: dict, baseline: dict) -> dict:
    """project - baseline for every metric of two `summarize` dicts (None where either is None)."""
    out = {}
    for name in (*METRICS, *LATENCY):
        a, b = project.get(name), baseline.get(name)
        out[name] = None if a is None or b is None else a - b
    return out
