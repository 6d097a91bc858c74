"""Reading real transcript formats into speaker turns."""
from pathlib import Path

import pytest

from index.importers import ImportProblem, merge, read_cues, split_label

FIX = Path(__file__).parent / "fixtures" / "import"
STANDUP = [("Dana Whitfield", "Good morning everyone. Let's go through the release plan for the mobile app."),
           ("Dana Whitfield", "First item is the login screen."),
           ("Omar Haddad", "The login screen is done. We moved password reset to email links because SMS "
                           "was too expensive."),
           ("Priya Natarajan", "I still worry about battery drain from background sync."),
           ("Dana Whitfield", "Okay. Omar, can you measure battery use before Friday?")]


def test_webvtt_voice_tags_name_the_speakers_and_times_are_kept():
    cues = read_cues(FIX / "standup.vtt")
    assert [(c.speaker, c.text) for c in cues] == STANDUP
    assert [c.anchor for c in cues] == ["00:00:01.200", "00:00:05.800", "00:00:09.400",
                                        "00:00:15.200", "00:00:20.000"]
    assert cues[2].line == 17  # the cue's timing line, for messages


def test_srt_name_prefixes_and_unlabelled_cues_continue_the_speaker():
    cues = read_cues(FIX / "standup.srt")
    assert [(c.speaker, c.text) for c in cues] == STANDUP
    assert cues[0].anchor == "00:00:01.200" and cues[0].line == 2


def test_consecutive_cues_of_one_speaker_merge_into_one_turn():
    turns = merge(read_cues(FIX / "standup.vtt"))
    assert [(t.speaker, t.cues, t.anchor) for t in turns] == [
        ("Dana Whitfield", (0, 1), "00:00:01.200"), ("Omar Haddad", (2,), "00:00:09.400"),
        ("Priya Natarajan", (3,), "00:00:15.200"), ("Dana Whitfield", (4,), "00:00:20.000")]


def test_json_in_the_qmsum_layout_and_as_a_plain_list(tmp_path):
    cues = read_cues(FIX / "turns.json")
    assert [c.speaker for c in cues] == ["Project Manager", "Marketing", "Marketing", "Industrial Designer"]
    assert cues[1].text == "Our survey says people lose their remote all the time ." and cues[1].anchor == ""
    plain = tmp_path / "t.json"
    plain.write_text('[{"speaker": "Ann", "text": "Hello  there"}, {"speaker": "Bo", "content": "Hi"}]')
    assert [(c.speaker, c.text) for c in read_cues(plain)] == [("Ann", "Hello there"), ("Bo", "Hi")]


def test_plain_text_lines_and_wrapped_lines():
    cues = read_cues(FIX / "notes.txt")
    assert [(c.speaker, c.line) for c in cues] == [("Dana Whitfield", 1), ("Omar Haddad", 2), ("Priya Natarajan", 5)]
    assert cues[1].text.endswith("email links because SMS was too expensive.")


def test_labels_are_names_not_sentences():
    assert split_label("Project Manager: Okay, let's start.") == ("Project Manager", "Okay, let's start.")
    assert split_label("李广密：下一个问题。") == ("李广密", "下一个问题。")
    assert split_label("Note that the ratio was 3:1 overall.") is None
    assert split_label("Speaker 2: yes") == ("Speaker 2", "yes")
    assert split_label("So, here is the thing: it broke.") is None
    assert split_label("12:30 we start") is None


@pytest.mark.parametrize("name, body, message", [
    ("bad_novoice.vtt", None, r"bad_novoice\.vtt:3: cue without a speaker"),
    ("bad_turn.json", None, r"bad_turn\.json:2: turn #2 needs a \"speaker\""),
    ("x.vtt", "not a subtitle file\n", r"x\.vtt:1: not a WebVTT file"),
    ("x.txt", "just some words\nAnn: hi\n", r"x\.txt:1: expected `Name: text`"),
    ("x.json", '{"turns": [}', r"x\.json:1: not valid JSON"),
    ("x.json", '{"utterances": []}', r"x\.json:1: expected a list of turns"),
    ("x.doc", "Ann: hi\n", r"x\.doc:1: unknown transcript format 'doc'"),
    ("x.srt", "1\n00:00:01,000 --> 00:00:02,000\n\n", r"x\.srt:1: no speaker-labelled text"),
])
def test_bad_files_get_file_line_reason(tmp_path, name, body, message):
    path = FIX / name if body is None else tmp_path / name
    if body is not None:
        path.write_text(body, encoding="utf-8")
    with pytest.raises(ImportProblem, match=message):
        read_cues(path)


def test_not_utf8_names_the_line(tmp_path):
    f = tmp_path / "x.txt"
    f.write_bytes(b"Ann: hi\nBo: caf\xe9\n")
    with pytest.raises(ImportProblem, match=r"x\.txt:2: not valid UTF-8"):
        read_cues(f)


def test_teams_webvtt_with_cue_ids_and_closing_voice_tags():
    cues = read_cues(FIX / "teams.vtt")
    assert [(c.speaker, c.text, c.line, c.anchor) for c in cues] == [
        ("Dana Whitfield", "Morning all, shall we start?", 4, "00:00:03.251"),
        ("Omar Haddad", "Yes, go ahead.", 8, "00:00:06.500")]
