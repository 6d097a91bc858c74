"""The metrics of ../shared/eval-schema.md: pure functions over plain records.

Matching. A passage "contains" an evidence string when, after removing all whitespace from
both, the evidence is a substring of the passage, either as written or after OpenCC
traditional-to-simplified conversion of both sides. A key fact is "found" in the answer the
same way, Latin letters compared case-insensitively. A cited passage is the whole chunk the
citation points into (`citation.text`), not just the quoted sentence.

Per question (answerable = every type but `unanswerable`):
- hit@k (k = 1, 3, 5): 1 if one of the first k hits contains an evidence string, else 0.
- MRR@10: 1 / rank of the first of the first 10 hits that contains an evidence string, else 0.
- citation precision, strict: share of citations whose passage contains an evidence string;
  speaker-consistent: share of citations whose passage is spoken by one of `speakers`.
  An answerable question answered with no citation scores 0 on both (it cited nothing right).
- attribution accuracy: 1 if and only if
    the answer names a first speaker (`answer.speakers[0]`) and it is one of `speakers`,
    AND every citation's speaker is one of `speakers`,
    AND for a `compare` question with two or more expected speakers, the set of citation
    speakers equals the set of `speakers` (each side of the comparison is cited).
  For any other question with several expected speakers (say the summary and the talk both
  carry the statement), citing any of them is right.
- abstention accuracy: 1 if `abstained` is True exactly when the type is `unanswerable`.
- key-fact coverage: share of `key_facts` found in the answer text (undefined without key facts).
- latency: wall time of the answer in milliseconds.
Hit, MRR, citation and attribution scores are undefined (None) for unanswerable questions.

Aggregation: each metric is the mean of its defined per-question values, overall and per
`type`, `lang` and `split`; latency is summarised by its p50 and p95 (linear interpolation).
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from eval.dataset import Question

TYPES = ("fact", "who", "speaker-view", "compare", "number", "followup", "unanswerable")
LANGS = ("zh", "zh-hant", "en")
# name in the metrics dicts -> label in tables; latency is summarised separately
METRICS = {
    "hit@1": "evidence hit@1",
    "hit@3": "evidence hit@3",
    "hit@5": "evidence hit@5",
    "mrr@10": "MRR@10",
    "citation_precision_strict": "citation precision (strict)",
    "citation_precision_speaker": "citation precision (speaker)",
    "attribution_accuracy": "attribution accuracy",
    "abstention_accuracy": "abstention accuracy",
    "key_fact_coverage": "key-fact coverage",
}
LATENCY = {"latency_p50_ms": "latency p50 (ms)", "latency_p95_ms": "latency p95 (ms)"}
_SCORE_FIELD = {  # metrics name -> Scores field
    "hit@1": "hit_at_1", "hit@3": "hit_at_3", "hit@5": "hit_at_5", "mrr@10": "mrr_at_10",
    "citation_precision_strict": "citation_strict", "citation_precision_speaker": "citation_speaker",
    "attribution_accuracy": "attribution", "abstention_accuracy": "abstention",
    "key_fact_coverage": "key_facts",
}


@dataclass(frozen=True)
class Passage:
    """A retrieved or cited passage, as far as the metrics care."""
    speaker: str
    text: str


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

    @classmethod
    def from_json(cls, qid: str, obj: dict, latency_ms: float) -> "Result":
        """From the object `rag ask --json` prints (`Answer.to_json()`)."""
        return cls(qid, obj.get("answer", ""), bool(obj.get("abstained")), tuple(obj.get("speakers", ())),
                   tuple(Passage(c["speaker"], c["text"]) for c in obj.get("citations", ())),
                   tuple(Passage(h["speaker"], h["text"]) for h in obj.get("hits", ())), float(latency_ms))


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
    if question.type == "compare" and len(expected) > 1:
        return cited == expected
    return True


def score(question: Question, result: Result) -> Scores:
    """Every per-question score of one result."""
    declined_right = float(result.abstained == (not question.answerable))
    facts = None
    if question.key_facts:
        found = sum(contains(result.answer, f, ignore_case=True) for f in question.key_facts)
        facts = found / len(question.key_facts)
    if not question.answerable:
        return Scores(None, None, None, None, None, None, None, declined_right, facts, result.latency_ms)
    rank = first_evidence_rank(result.hits, question.evidence, 10)
    hit = [float(rank is not None and rank <= k) for k in (1, 3, 5)]
    mrr = 1.0 / rank if rank else 0.0
    cites = result.citations
    strict = sum(has_evidence(c.text, question.evidence) for c in cites) / len(cites) if cites else 0.0
    by_speaker = sum(c.speaker in question.speakers for c in cites) / len(cites) if cites else 0.0
    return Scores(*hit, mrr, strict, by_speaker, float(attribution_ok(question, result)),
                  declined_right, facts, result.latency_ms)


def what_went_wrong(question: Question, scores: Scores) -> list[str]:
    """Short reasons a question counts as failed; empty when it passed."""
    reasons = []
    if scores.abstention < 1:
        reasons.append("declined an answerable question" if question.answerable
                       else "answered an unanswerable question")
    if question.answerable:
        if not scores.hit_at_5:
            reasons.append("no evidence in the top 5 hits")
        if not scores.attribution:
            reasons.append("wrong attribution")
    if scores.key_facts is not None and scores.key_facts < 1:
        reasons.append(f"key facts {scores.key_facts:.0%} covered")
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


def aggregate(rows: list[tuple[Question, Scores]]) -> dict:
    """Overall and per type, language and split (splits only when the questions have one)."""
    def by(key, order=()) -> dict:
        groups: dict[str, list] = {}
        for q, s in rows:
            if getattr(q, key):
                groups.setdefault(getattr(q, key), []).append((q, s))
        names = [g for g in order if g in groups] + sorted(g for g in groups if g not in order)
        return {g: summarize(groups[g]) for g in names}

    return {"overall": summarize(rows), "by_type": by("type", TYPES), "by_lang": by("lang", LANGS),
            "by_split": by("split", ("dev", "test"))}


def difference(project: dict, baseline: dict) -> dict:
    """project - baseline for every metric of two `summarize` dicts (None where either is None)."""
    out = {}
    for name in (*METRICS, *LATENCY):
        a, b = project.get(name), baseline.get(name)
        out[name] = None if a is None or b is None else a - b
    return out
