"""QMSum evaluation on the three-meeting sample committed under tests/fixtures/qmsum."""
import json
from pathlib import Path

import pytest

from eval import qmsum
from eval.qmsum import Outcome
from index.corpus import Corpus
from index.records import Chunk
from rag.records import Hit

SAMPLE = Path(__file__).parent / "fixtures" / "qmsum"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    corpus_dir = tmp_path_factory.mktemp("qmsum") / "corpus"
    meetings = qmsum.import_meetings(qmsum.meeting_files(SAMPLE, "train"), corpus_dir)
    return meetings, Corpus.load(corpus_dir)


def test_sample_has_one_meeting_per_domain_and_its_licence():
    files = qmsum.meeting_files(SAMPLE, "train")
    assert sorted(qmsum.domain_of(f.stem) for f in files) == ["academic", "committee", "product"]
    assert (SAMPLE / "LICENSE").read_text().startswith("MIT License")


def test_every_qmsum_turn_lands_on_its_own_text(imported):
    meetings, corpus = imported
    for m in meetings:
        raw = json.loads((SAMPLE / f"{m.doc_id}.json").read_text())["meeting_transcripts"]
        text = corpus.texts[m.doc_id]
        for turn, span in zip(raw, m.turn_spans):
            if span is None:
                assert not turn["content"].strip()
            else:
                assert text[span[0]:span[1]] == " ".join(turn["content"].split())
        assert sum(len(q[1]) for q in m.queries) >= len(m.queries) > 0


def test_each_turn_is_attributed_to_its_speaker(imported):
    meetings, corpus = imported
    m = next(m for m in meetings if m.doc_id == "ES2005a")
    raw = json.loads((SAMPLE / "ES2005a.json").read_text())["meeting_transcripts"]
    passages = corpus.passages_of("ES2005a")
    for turn, span in zip(raw, m.turn_spans):
        if span:
            owner = next(p for p in passages if p.start <= span[0] < p.end)
            assert owner.speaker == turn["speaker"]
    assert corpus.documents["education_19"].lang == "en"


def test_named_participants_by_name_surname_and_role(imported):
    _, corpus = imported
    present = {p.speaker for p in corpus.passages_of("education_19")}
    sp = corpus.speakers
    assert qmsum.named_participant("What did Kirsty Williams think about Swansea University?", sp, present) \
        == "Kirsty Williams AM"
    assert qmsum.named_participant("Summarize the political background of the group.", sp, present) is None
    product = {p.speaker for p in corpus.passages_of("ES2005a")}
    assert qmsum.named_participant("What did Marketing think of the remote?", sp, product) == "Marketing"


def _hit(doc, start, end, rank):
    return Hit(Chunk.make(doc, "A", "", "roundtable", "x" * (end - start), start, end, 0), 1.0, rank)


def test_rank_counts_only_the_meetings_passages_that_overlap():
    hits = [_hit("other", 0, 50, 1), _hit("m", 0, 10, 2), _hit("m", 90, 120, 3)]
    assert qmsum.first_relevant_rank(hits, "m", [(100, 200)]) == 2   # rank among this meeting's hits
    assert qmsum.first_relevant_rank(hits, "m", [(10, 90)]) is None  # touching is not overlapping


def test_summary_by_hand():
    outs = [Outcome("product", 1, "Marketing", "Marketing"), Outcome("product", 4, None, "X"),
            Outcome("academic", None, "PhD C", "Professor D"), Outcome("committee", 2, None, None)]
    s = qmsum.summarise(outs)
    assert (s["recall@1"], s["recall@5"], s["mrr@10"]) == (0.25, 0.75, round((1 + 0.25 + 0.5) / 4, 3))
    assert (s["participant_queries"], s["participant"]) == (2, 0.5)
    assert qmsum.by_domain(outs)["academic"]["recall@5"] == 0.0


@pytest.mark.slow
def test_end_to_end_on_the_product_meeting(tmp_path, rag_home, capsys):
    """The real model and index over the smallest sample meeting, project and baseline."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to((rag_home / "models").resolve())
    one = tmp_path / "one"
    one.mkdir()
    (one / "ES2005a.json").write_bytes((SAMPLE / "ES2005a.json").read_bytes())
    out, per_query = tmp_path / "r.json", tmp_path / "q.jsonl"
    assert qmsum.main([str(one), "--split", "train", "--home", str(home), "--json", str(out),
                       "--details", str(per_query)]) == 0
    report = json.loads(out.read_text())
    assert report["meetings"] == 1 and report["project"]["product"]["queries"] == 6
    assert report["baseline"]["all"]["queries"] == 6
    assert "product    project      6" in capsys.readouterr().out
    rows = [json.loads(line) for line in per_query.read_text().splitlines()]
    assert len(rows) == 6 and all(r["doc"] == "ES2005a" and r["top"] for r in rows)
    hits = sum(r["rank"] is not None and r["rank"] <= 5 for r in rows)
    assert round(hits / 6, 3) == report["project"]["all"]["recall@5"]
