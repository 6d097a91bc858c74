"""Imported transcripts become corpus documents the parser reads, with their speakers."""
import json
import shutil
from pathlib import Path

import pytest

from index.corpus import Corpus
from index.importers import ImportProblem, read_cues
from index.ingest import import_document, render, speaker_and_role, speaker_entries
from rag.__main__ import main

FIX = Path(__file__).parent / "fixtures" / "import"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus_dir(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(REPO / "corpus" / "speakers.json", d / "speakers.json")
    return d


def _snapshot(d: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_render_merges_turns_and_keeps_anchors_as_comments():
    r = render("Stand-up", read_cues(FIX / "standup.vtt"), "en")
    assert r.markdown.splitlines()[:7] == [
        "# Stand-up", "", "<!-- 00:00:01.200 -->", "",
        "Dana Whitfield: Good morning everyone. Let's go through the release plan for the mobile app. "
        "First item is the login screen.", "", "<!-- 00:00:09.400 -->"]
    first, second = r.cue_spans[0], r.cue_spans[1]
    assert r.markdown[second[0]:second[1]] == "First item is the login screen."
    assert r.markdown[first[0]:first[1]].startswith("Good morning") and second[0] == first[1] + 1


def test_vtt_import_is_a_document_with_speakers_and_meta(corpus_dir):
    out = import_document(read_cues(FIX / "standup.vtt"), corpus_dir, "standup", "Mobile stand-up",
                          source=str(FIX / "standup.vtt"), fmt="vtt")
    assert out == corpus_dir / "standup.md"
    meta = json.loads((corpus_dir / "standup.meta.json").read_text())
    assert meta == {"title": "Mobile stand-up", "lang": "en", "moderators": [], "source": "standup.vtt",
                    "format": "vtt"}
    corpus = Corpus.load(corpus_dir)
    doc = corpus.documents["standup"]
    assert (doc.title, doc.lang, doc.moderators) == ("Mobile stand-up", "en", ())
    spoken = [(p.speaker, p.text[:20]) for p in corpus.passages_of("standup") if p.kind != "heading"]
    assert spoken == [("Dana Whitfield", "Good morning everyon"), ("Omar Haddad", "The login screen is "),
                      ("Priya Natarajan", "I still worry about "), ("Dana Whitfield", "Okay. Omar, can you ")]
    assert not any("-->" in p.text for p in corpus.passages_of("standup"))
    names = {s.name for s in corpus.speakers.all}
    assert {"Dana Whitfield", "Omar Haddad", "Priya Natarajan", "唐杰"} <= names


def test_one_name_in_two_documents_is_one_person(corpus_dir):
    import_document(read_cues(FIX / "standup.vtt"), corpus_dir, "monday")
    import_document(read_cues(FIX / "notes.txt"), corpus_dir, "tuesday")
    data = json.loads((corpus_dir / "speakers.json").read_text())
    assert [s["name"] for s in data["speakers"]].count("Dana Whitfield") == 1
    corpus = Corpus.load(corpus_dir)
    assert {p.doc_id for p in corpus.passages if p.speaker == "Dana Whitfield"} == {"monday", "tuesday"}


def test_role_labels_are_speakers_and_moderators_are_per_document(corpus_dir):
    import_document(read_cues(FIX / "turns.json"), corpus_dir, "kickoff", moderators=("Project Manager",))
    corpus = Corpus.load(corpus_dir)
    assert corpus.documents["kickoff"].moderators == ("Project Manager",)
    kinds = [(p.speaker, p.kind) for p in corpus.passages_of("kickoff") if p.kind != "heading"]
    assert kinds == [("Project Manager", "moderator_question"), ("Marketing", "roundtable"),
                     ("Industrial Designer", "roundtable")]
    # The summit keeps its moderator from the speakers file: he takes turns there.
    assert Corpus.load(REPO / "corpus").documents["agi-next-2026"].moderators == ("李广密",)


def test_names_with_a_role_and_a_title():
    assert speaker_and_role("Hon. Bill Morneau (Minister of Finance)") == ("Hon. Bill Morneau", "Minister of Finance")
    assert speaker_and_role("Marketing") == ("Marketing", "")
    entries = speaker_entries((("Hon. Bill Morneau", "Minister of Finance"), ("Mr. Ben Lobb", ""),
                               ("Project Manager", ""), ("Ms. Anne Lobb", ""), ("Kirsty Williams AM", ""),
                               ("PhD C", "")), None)
    assert entries[0]["aliases"] == ["Hon. Bill Morneau", "Bill Morneau", "Morneau"]
    assert entries[0]["titles"] == ["Minister of Finance"]
    assert entries[2]["aliases"] == ["Project Manager"]
    assert entries[3]["aliases"] == ["Ms. Anne Lobb", "Anne Lobb"]  # "Lobb" already names Ben Lobb
    assert entries[4]["aliases"] == ["Kirsty Williams AM", "Kirsty Williams", "Williams"]
    assert entries[5]["aliases"] == ["PhD C"]


def test_a_bad_import_leaves_the_corpus_untouched(corpus_dir):
    before = _snapshot(corpus_dir)
    with pytest.raises(ImportProblem, match="bad_novoice.vtt:3"):
        import_document(read_cues(FIX / "bad_novoice.vtt"), corpus_dir, "bad")
    with pytest.raises(ImportProblem, match=r"document id 'a/b'"):
        import_document(read_cues(FIX / "notes.txt"), corpus_dir, "a/b")
    with pytest.raises(ImportProblem, match=r"moderator 'Nobody'"):
        import_document(read_cues(FIX / "notes.txt"), corpus_dir, "notes", moderators=("Nobody",))
    assert _snapshot(corpus_dir) == before
    import_document(read_cues(FIX / "notes.txt"), corpus_dir, "notes")
    after = _snapshot(corpus_dir)
    with pytest.raises(ImportProblem, match=r"notes\.md is already in"):
        import_document(read_cues(FIX / "standup.vtt"), corpus_dir, "NOTES")
    assert _snapshot(corpus_dir) == after


def test_cli_import_each_format(corpus_dir, capsys):
    for name in ("standup.vtt", "standup.srt", "turns.json", "notes.txt"):
        doc_id = name.replace(".", "-")
        assert main(["--corpus", str(corpus_dir), "import", str(FIX / name), "--id", doc_id]) == 0
        assert f"-> {corpus_dir / doc_id}.md" in capsys.readouterr().out
    corpus = Corpus.load(corpus_dir)
    assert sorted(corpus.documents) == ["notes-txt", "standup-srt", "standup-vtt", "turns-json"]
    # Subtitles in either format give the same document (formatting tags dropped).
    assert corpus.texts["standup-srt"].split("\n", 1)[1] == corpus.texts["standup-vtt"].split("\n", 1)[1]


def test_cli_import_errors_are_one_line(corpus_dir, capsys):
    before = _snapshot(corpus_dir)
    assert main(["--corpus", str(corpus_dir), "import", str(FIX / "bad_turn.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "bad_turn.json:2:" in err and "Traceback" not in err
    assert main(["--corpus", str(corpus_dir), "import", str(FIX / "notes.txt"), str(FIX / "turns.json"),
                 "--id", "x"]) == 2
    assert _snapshot(corpus_dir) == before
