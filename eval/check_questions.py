#!/usr/bin/env python3
"""Validate an evaluation question file (see ../shared/eval-schema.md).

    python eval/check_questions.py [PATH] [--corpus FILE_OR_DIR ...] [--no-attribution] [--quiet]

PATH defaults to eval/questions.jsonl next to this script; the corpus defaults to every
*.md / *.txt file in corpus/. Standard library only.

Errors (exit status 1):
  - a line that is not a JSON object, a missing or mistyped field, a value outside the allowed
    sets (lang, type, speakers, split), a duplicate id;
  - an evidence string that does not occur character for character in the corpus, or whose
    length is outside 12-60 characters (whitespace not counted) or that occurs more than once;
    evidence/key_facts/speakers not empty for
    `unanswerable`, or empty for the other types;
  - `who` without exactly one speaker, `compare` with fewer than two, `followup` without history;
  - a split that lacks a type or a language; an unmet minimum count.
Warnings (exit status 0):
  - a key fact that does not occur in the corpus after whitespace removal;
  - the speaker of the paragraph an evidence string sits in (by a light re-implementation of
    the attribution rules in ../shared/DESIGN.md) is not among `speakers`;
  - a compare question whose evidence does not cover every speaker;
  - a `zh` question that looks traditional or a `zh-hant` question that looks simplified;
  - a dev share outside 50-70 %, duplicate question texts.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

LANGS = ("zh", "zh-hant", "en")
TYPES = ("fact", "who", "speaker-view", "compare", "number", "followup", "summary", "yesno", "why",
         "disagreement", "unanswerable", "detail_missing", "wrong_speaker")
DECLINED = ("unanswerable", "detail_missing", "wrong_speaker")
SIDE_BY_SIDE = ("compare", "disagreement")
SPLITS = ("dev", "test")
EDITOR = "编者"
MODERATOR = "李广密"
SPEAKERS = ("唐杰", "杨植麟", "林俊旸", "姚顺雨", "李广密", EDITOR)
# names by which the text itself refers to a person (used by the attribution re-check)
TEXT_NAMES = {"唐杰": ("唐杰",), "杨植麟": ("杨植麟",), "林俊旸": ("林俊旸",),
              "姚顺雨": ("姚顺雨",), "李广密": ("李广密",)}

MINIMUMS = {  # (what, key) -> minimum over both splits
    ("total", None): 250,
    ("type", "who"): 15,
    ("type", "number"): 10,
    ("type", "compare"): 10,
    ("type", "followup"): 10,
    ("type", "unanswerable"): 12,
    ("lang", "en"): 25,
    ("lang", "zh-hant"): 15,
}
# (what, key) -> minimum in EACH split: the kinds of question users ask that the answer must handle
SPLIT_MINIMUMS = {("type", "summary"): 12, ("type", "yesno"): 10, ("type", "why"): 10,
                  ("type", "disagreement"): 6, ("type", "detail_missing"): 12, ("type", "wrong_speaker"): 8,
                  ("tag", "short-topic"): 8, ("conversations", None): 20}
NOT_SIMPLIFIED_MIN = 0.40   # share of questions in traditional Chinese or English
EVIDENCE_MIN, EVIDENCE_MAX = 12, 60   # characters, whitespace not counted
KEY_POINTS = (4, 6)

# characters that exist only in one script (common ones), to catch a mislabelled lang
TRAD_ONLY = set("們說這個為國時會來對麼樣還點問題裡與從將過學習開關機電軟體碼話認實現經發變"
                "長應該讓種後幾價錢華當隊團層處總聽買賣帶參觀見視覺聲產業場邊際網頁")
SIMP_ONLY = set("们说这个为国时会来对么样还点问题里与从将过学习开关机电软体码话认实现经发变"
                "长应该让种后几价钱华当队团层处总听买卖带参观见视觉声产业场边际网页")
SIMP_ONLY -= TRAD_ONLY


def nows(s: str) -> str:
    return re.sub(r"\s+", "", s)


# ---------------------------------------------------------------- attribution re-check

REPORT = re.compile(r"(他|她|" + "|".join(n for ns in TEXT_NAMES.values() for n in ns) + r")"
                    r"[^。，；：「」]{0,12}?(透露|认为|指出|表示|强调|提到|坦言|观察|解释|直言|分享|"
                    r"提出|点出|关注|补充|承认|总结|看到|保持)")
LABEL = re.compile(r"^(" + "|".join(n for ns in TEXT_NAMES.values() for n in ns) + r")\s*[：:]\s*")


def _who(name: str) -> str:
    for canon, names in TEXT_NAMES.items():
        if name in names:
            return canon
    return name


def _paragraphs(text: str):
    """(start, end) offsets of blank-line separated paragraphs."""
    for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        yield m.start(), m.end()


def _is_bare_heading(p: str) -> bool:
    return len(p) <= 15 and not re.search(r"[，。：；！？「」,.:;!?]", p)


def attribute(text: str) -> list:
    """A speaker (or None) for every character of a transcript file."""
    labels = [None] * len(text)
    paras = list(_paragraphs(text))
    # split into sections by '## ' headings
    sections, cur = [], None
    for s, e in paras:
        p = text[s:e]
        m = re.match(r"^(#{1,6})\s+(.*\S)", p)
        if m and len(m.group(1)) <= 2:
            cur = {"title": m.group(2).strip(), "paras": []}
            sections.append(cur)
            continue
        if cur is None:
            cur = {"title": "", "paras": []}
            sections.append(cur)
        cur["paras"].append((s, e))

    def setl(s, e, who):
        for i in range(s, e):
            if text[i] != "\n":
                labels[i] = who

    for sec in sections:
        title = sec["title"]
        ps = sec["paras"]
        if _who(title) in TEXT_NAMES:  # a talk (or an editor's summary of it): that person
            for s, e in ps:
                setl(s, e, _who(title))
            continue
        has_speech_quote = any("：「" in text[s:e] or ":「" in text[s:e] for s, e in ps)
        has_labels = any(LABEL.match(text[s:e]) for s, e in ps)
        if has_labels and not has_speech_quote:  # a conversation
            last = MODERATOR
            for s, e in ps:
                m = LABEL.match(text[s:e])
                if m:
                    last = _who(m.group(1))
                setl(s, e, last)
            continue
        # article text
        last_named, inquote, qspeaker = None, False, EDITOR
        for s, e in ps:
            p = text[s:e]
            if p.startswith("#") or (not inquote and _is_bare_heading(p)):
                last_named = None
                setl(s, e, EDITOR)
                continue
            # pieces: ('q', s, e, speaker) speech quotes; ('n', s, e) narration
            pieces, i, ns = [], s, s
            if inquote:  # a quote opened in an earlier paragraph goes on
                j = text.find("」", s, e)
                if j < 0:
                    j = e
                else:
                    j += 1
                    inquote = False
                pieces.append(["q", s, j, qspeaker])
                i = ns = j
            while i < e:
                if text[i] == "「":
                    prev = text[s:i].rstrip()
                    speech = (not prev) or prev[-1] in "：:。！？」"
                    if speech:
                        if ns < i:
                            pieces.append(["n", ns, i])
                        j = text.find("」", i, e)
                        pieces.append(["q", i, e if j < 0 else j + 1, None])
                        if j < 0:
                            inquote = True
                            i = ns = e
                        else:
                            i = ns = j + 1
                        continue
                    j = text.find("」", i, e)  # a term in quotes: part of the narration
                    i = e if j < 0 else j + 1
                    continue
                i += 1
            if ns < e:
                pieces.append(["n", ns, e])
            # label narration sentence by sentence, quotes by the last person named before them
            for k, pc in enumerate(pieces):
                if pc[0] == "q":
                    if pc[3] is None:
                        pc[3] = last_named or EDITOR
                        qspeaker = pc[3]
                    setl(pc[1], pc[2], pc[3])
                    continue
                _, a, b = pc
                for m in re.finditer(r"[^。！？]*[。！？]?", text[a:b]):
                    if not m.group(0):
                        continue
                    sent = m.group(0)
                    names = [(mm.start(), _who(mm.group(0))) for mm in re.finditer(
                        "|".join(n for ns_ in TEXT_NAMES.values() for n in ns_), sent)]
                    if names:
                        last_named = names[-1][1]
                    who = EDITOR
                    rm = REPORT.search(sent)
                    if rm and last_named:
                        who = last_named if rm.group(1) in "他她" else _who(rm.group(1))
                    elif (sent.rstrip().endswith(("：", ":")) and k + 1 < len(pieces)
                          and pieces[k + 1][0] == "q" and last_named):
                        who = last_named
                    setl(a + m.start(), a + m.end(), who)
    return labels


# ---------------------------------------------------------------- checks

def load_corpus(paths):
    files = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files += sorted(q for q in p.iterdir() if q.suffix in (".md", ".txt"))
        elif p.exists():
            files.append(p)
    return [(f, f.read_text(encoding="utf-8")) for f in files]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", nargs="?", default=str(HERE / "questions.jsonl"))
    ap.add_argument("--corpus", nargs="+", default=[str(ROOT / "corpus")])
    ap.add_argument("--no-attribution", action="store_true",
                    help="skip the speaker re-check of evidence paragraphs")
    ap.add_argument("--quiet", action="store_true", help="print errors, warnings and the summary only")
    args = ap.parse_args(argv)

    corpus = load_corpus(args.corpus)
    if not corpus:
        print(f"no corpus files found in {args.corpus}", file=sys.stderr)
        return 2
    texts = [t for _, t in corpus]
    texts_nows = [nows(t) for t in texts]
    attributions = None if args.no_attribution else [attribute(t) for t in texts]

    errors, warnings = [], []
    err = lambda where, msg: errors.append(f"{where}: {msg}")  # noqa: E731
    warn = lambda where, msg: warnings.append(f"{where}: {msg}")  # noqa: E731

    questions, ids, seen_q = [], Counter(), defaultdict(list)
    path = Path(args.path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        print(f"cannot read {path}: {e}", file=sys.stderr)
        return 2

    for ln, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"line {ln}"
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            err(where, f"not valid JSON ({e})")
            continue
        if not isinstance(q, dict):
            err(where, "not a JSON object")
            continue
        qid = q.get("id")
        if isinstance(qid, str) and qid:
            where = f"line {ln} ({qid})"
            ids[qid] += 1
        else:
            err(where, "missing or empty string field 'id'")
        ok = True
        for f, typ in (("question", str), ("lang", str), ("type", str), ("speakers", list),
                       ("evidence", list), ("key_facts", list), ("split", str)):
            if f not in q:
                err(where, f"missing field '{f}'")
                ok = False
            elif not isinstance(q[f], typ):
                err(where, f"field '{f}' should be {typ.__name__}")
                ok = False
        for f in ("speakers", "evidence", "key_facts", "history"):
            if isinstance(q.get(f), list) and not all(isinstance(x, str) and x for x in q[f]):
                err(where, f"'{f}' must hold non-empty strings")
                ok = False
        if "history" in q and not isinstance(q["history"], list):
            err(where, "'history' should be a list")
            ok = False
        if not ok:
            continue
        questions.append(q)
        if not q["question"].strip():
            err(where, "empty question")
        seen_q[nows(q["question"]) + "|" + "|".join(q.get("history", []))].append(qid)
        if q["lang"] not in LANGS:
            err(where, f"lang {q['lang']!r} not in {LANGS}")
        if q["type"] not in TYPES:
            err(where, f"type {q['type']!r} not in {TYPES}")
        if q["split"] not in SPLITS:
            err(where, f"split {q['split']!r} not in {SPLITS}")
        for s in q["speakers"]:
            if s not in SPEAKERS:
                err(where, f"speaker {s!r} is not a canonical name {SPEAKERS}")
        if len(set(q["speakers"])) != len(q["speakers"]):
            err(where, "duplicate speakers")

        t = q["type"]
        if t == "unanswerable":
            for f in ("speakers", "evidence", "key_facts"):
                if q[f]:
                    err(where, f"unanswerable question must have empty '{f}'")
        else:
            if not q["speakers"]:
                err(where, "no speakers")
            if not 1 <= len(q["evidence"]) <= 3:
                err(where, f"{len(q['evidence'])} evidence strings (want 1-3)")
            if not q["key_facts"] and t not in DECLINED:
                err(where, "no key_facts")
            elif len(q["key_facts"]) > 4:
                warn(where, f"{len(q['key_facts'])} key_facts (want 1-4)")
        if t == "who" and len(q["speakers"]) != 1:
            err(where, "a 'who' question needs exactly one speaker")
        if t in SIDE_BY_SIDE and len(q["speakers"]) < 2:
            err(where, f"a '{t}' question needs at least two speakers")
        if t == "followup" and not q.get("history"):
            err(where, "a 'followup' question needs a non-empty 'history'")
        if q.get("history") and not q.get("conversation") and t != "followup":
            warn(where, "history on a question outside a conversation")
        if t == "yesno" and q.get("yesno") not in ("yes", "no"):
            err(where, "a 'yesno' question needs \"yesno\": \"yes\" or \"no\"")
        points = q.get("key_points") or []
        if t == "summary" and not KEY_POINTS[0] <= len(points) <= KEY_POINTS[1]:
            err(where, f"a summary needs {KEY_POINTS[0]}-{KEY_POINTS[1]} key_points, has {len(points)}")
        for point in points:
            for alt in ([point] if isinstance(point, str) else point):
                if not isinstance(alt, str) or not any(nows(alt) in tn for tn in texts_nows):
                    err(where, f"key point {alt!r} does not occur in the corpus")

        # language / script
        text_all = q["question"] + "".join(q.get("history", []))
        cjk = len(re.findall(r"[\u4e00-\u9fff]", text_all))
        trad = sum(c in TRAD_ONLY for c in text_all)
        simp = sum(c in SIMP_ONLY for c in text_all)
        if q["lang"] == "en" and cjk > len(text_all) * 0.3:
            warn(where, "lang en but mostly Chinese characters")
        if q["lang"] in ("zh", "zh-hant") and cjk == 0:
            warn(where, f"lang {q['lang']} but no Chinese characters")
        if q["lang"] == "zh" and trad > simp:
            warn(where, f"lang zh but looks traditional ({trad} trad-only vs {simp} simp-only chars)")
        if q["lang"] == "zh-hant" and simp > 0 and simp >= trad:
            warn(where, f"lang zh-hant but looks simplified ({simp} simp-only vs {trad} trad-only chars)")

        # evidence
        covered = set()
        for ev in q["evidence"]:
            n = len(nows(ev))
            if not EVIDENCE_MIN <= n <= EVIDENCE_MAX:
                err(where, f"evidence {ev!r} has {n} characters (want {EVIDENCE_MIN}-{EVIDENCE_MAX})")
            times = sum(tn.count(nows(ev)) for tn in texts_nows)
            if times > 1:
                err(where, f"evidence {ev!r} occurs {times} times in the corpus: make it unique")
            hits = [(k, m.start()) for k, tx in enumerate(texts) for m in re.finditer(re.escape(ev), tx)]
            if not hits:
                if any(nows(ev) in tn for tn in texts_nows):
                    err(where, f"evidence {ev!r} occurs only after whitespace removal, not verbatim")
                else:
                    err(where, f"evidence {ev!r} not found in the corpus")
                continue
            if attributions is None or not q["speakers"]:
                continue
            occ = []
            for k, pos in hits:
                who = {attributions[k][i] for i in range(pos, pos + len(ev))
                       if attributions[k][i] and texts[k][i] not in "「」"}
                line_no = texts[k].count("\n", 0, pos) + 1
                occ.append((who, f"{corpus[k][0].name}:{line_no}"))
            good = [o for o in occ if o[0] and o[0] <= set(q["speakers"])]
            if good:
                for who, _ in good:
                    covered |= who
            else:
                desc = ", ".join(f"{loc} {'/'.join(sorted(w)) or '?'}" for w, loc in occ)
                warn(where, f"evidence {ev!r} sits in text attributed to {desc}, "
                            f"not to {q['speakers']}")
        if (attributions is not None and t in SIDE_BY_SIDE
                and not set(q["speakers"]) <= covered):
            warn(where, f"compare evidence does not cover {sorted(set(q['speakers']) - covered)}")
        # key facts
        for kf in q["key_facts"]:
            if not any(nows(kf) in tn for tn in texts_nows):
                warn(where, f"key fact {kf!r} does not occur in the corpus (whitespace removed)")

    for qid, n in ids.items():
        if n > 1:
            err(f"id {qid}", f"used {n} times")
    for k, v in seen_q.items():
        if len(v) > 1:
            warn(f"ids {v}", "same question text (and history)")

    # ------------------------------------------------------------ counts
    by = defaultdict(Counter)
    conversations = defaultdict(set)
    for q in questions:
        by[("type", q["type"])][q["split"]] += 1
        by[("lang", q["lang"])][q["split"]] += 1
        by[("total", None)][q["split"]] += 1
        for tag in q.get("tags") or []:
            by[("tag", tag)][q["split"]] += 1
        if q.get("conversation"):
            conversations[q["split"]].add(q["conversation"])
    for sp in SPLITS:
        by[("conversations", None)][sp] = len(conversations[sp])
    for (kind, key), mn in SPLIT_MINIMUMS.items():
        for sp in SPLITS:
            if by[(kind, key)][sp] < mn:
                err(f"split {sp}", f"{by[(kind, key)][sp]} {key or kind}, minimum {mn} in each split")
    out = (lambda *a, **k: None) if args.quiet else print
    print(f"{path}: {len(questions)} questions\n")
    out(f"{'':14}{'dev':>6}{'test':>6}{'total':>7}  min")
    for kind, keys in (("type", TYPES), ("lang", LANGS), ("total", (None,))):
        for key in keys:
            c = by[(kind, key)]
            tot = c["dev"] + c["test"]
            mn = MINIMUMS.get((kind, key))
            mark = "" if mn is None else f"{mn:>4} {'ok' if tot >= mn else 'UNMET'}"
            label = key if key else "total"
            out(f"{label:14}{c['dev']:>6}{c['test']:>6}{tot:>7}  {mark}")
            if mn is not None and tot < mn:
                err(f"{kind} {label}", f"{tot} questions, minimum {mn}")
        out()
    speakers_count = Counter(s for q in questions for s in q["speakers"])
    out("speakers: " + ", ".join(f"{s} {speakers_count[s]}" for s in SPEAKERS))
    for s in SPEAKERS:
        if not speakers_count[s]:
            warn("coverage", f"no question attributed to {s}")
    cross = Counter((q["type"], q["lang"]) for q in questions)
    out("type x lang: " + "; ".join(
        f"{t} " + "/".join(str(cross[(t, l)]) for l in LANGS) for t in TYPES) + "  (zh/zh-hant/en)")
    total = by[("total", None)]
    n = total["dev"] + total["test"]
    if n:
        share = total["dev"] / n
        out(f"dev share: {share:.0%}\n")
        if not 0.4 <= share <= 0.7:
            warn("split", f"dev share {share:.0%} (want 40-70%)")
        other = sum(q["lang"] != "zh" for q in questions) / n
        out(f"not simplified Chinese: {other:.0%} (minimum {NOT_SIMPLIFIED_MIN:.0%})")
        if other < NOT_SIMPLIFIED_MIN:
            err("languages", f"{other:.0%} of questions are not in simplified Chinese, minimum {NOT_SIMPLIFIED_MIN:.0%}")
    for sp in SPLITS:
        have_t = {q["type"] for q in questions if q["split"] == sp}
        have_l = {q["lang"] for q in questions if q["split"] == sp}
        for t in TYPES:
            if t not in have_t:
                err(f"split {sp}", f"has no {t} question")
        for l in LANGS:
            if l not in have_l:
                err(f"split {sp}", f"has no {l} question")

    for w in warnings:
        print("WARNING", w)
    for e in errors:
        print("ERROR", e)
    print(f"\n{len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
