"""A broken corpus folder is refused with a ParseError naming the file and line, both by
`Corpus.load` and by the command line (exit 2, one line `error: ...` on stderr, no traceback).

Document ids are file stems; two stems equal ignoring case and Unicode form (`A.md`/`a.md`,
`a.md`/`a.MD`, NFC/NFD `café`) are a duplicate id: they cannot coexist on a case-insensitive
file system, so the corpus would change when copied to one."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from index.corpus import Corpus
from index.parse import ParseError

REPO = Path(__file__).resolve().parent.parent
SPEAKERS = (REPO / "corpus" / "speakers.json").read_bytes()
TALK = "## 唐杰\n\n我们做了很多模型。大模型的下一步是让机器学会做事。\n".encode()
NFC, NFD = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")

# (id, files to write (None: leave speakers.json out), message: regex naming file and line)
FAULTS = [
    ("empty transcript", {"a.md": b""}, r"/a\.md:1: the transcript is empty$"),
    ("whitespace-only transcript", {"a.md": b" \n\n\t\n"}, r"/a\.md:1: the transcript is empty$"),
    ("no recognisable speaker", {"a.md": "# 前言\n\n今天天气很好，大家来开会。\n".encode()},
     r"/a\.md:1: no recognisable speaker: no `## Name` talk, no `Name：` turn and no attributed quote"),
    # in GBK, 强 (c7 bf, bytes 88-89) happens to be valid UTF-8; 化 (bb af, byte 90) is not
    ("not UTF-8 (GBK)", {"a.md": TALK + b"\n" + "强化学习很重要。\n".encode("gbk")},
     r"/a\.md:5: not valid UTF-8 \(byte 90\); save the transcript as UTF-8$"),
    ("UTF-8 with a byte-order mark", {"a.md": b"\xef\xbb\xbf" + TALK},
     r"/a\.md:1: starts with a byte-order mark; save it as UTF-8 without BOM$"),
    ("duplicate id, case", {"A.md": TALK, "a.md": TALK},
     r"/a\.md:1: document id 'a' clashes with A\.md \(ids are file names without the suffix, compared "
     r"ignoring case\); rename one of the files$"),
    ("duplicate id, suffix case", {"a.MD": TALK, "a.md": TALK}, r"/a\.md:1: document id 'a' clashes with a\.MD"),
    ("duplicate id, Unicode form", {f"{NFC}.md": TALK, f"{NFD}.md": TALK},
     r"/caf\S+\.md:1: document id 'caf\S+' clashes with caf\S+\.md"),
    ("turn of an unknown speaker",
     {"a.md": "## 圆桌\n\n姚顺雨：我觉得这个问题很重要。\n\n张三：我完全不同意你的说法，真的不同意。\n".encode()},
     r"/a\.md:5: `张三：` looks like a turn of a speaker who is not in corpus/speakers\.json"),
    ("no transcript", {"notes.txt": TALK}, r"/corpus: no transcript \(\*\.md\) to index$"),
    ("speakers.json missing", {"a.md": TALK, "speakers.json": None},
     r"/speakers\.json: missing; it lists the speakers and their aliases$"),
    ("speakers.json not JSON", {"a.md": TALK, "speakers.json": b'{"speakers": [\n  {"name": "x",}\n]}'},
     r"/speakers\.json:2: not valid JSON: Expecting property name enclosed in double quotes \(column 16\)$"),
    ("speakers.json not UTF-8", {"a.md": TALK, "speakers.json": '{"speakers": [{"name": "唐杰"}]}'.encode("gbk")},
     r"/speakers\.json:1: not valid UTF-8 \(byte 24\); save it as UTF-8$"),
    ("speakers.json without speakers", {"a.md": TALK, "speakers.json": b'{"people": []}'},
     r"/speakers\.json:1: expected an object with a non-empty \"speakers\" list$"),
    ("speakers.json with an empty alias", {"a.md": TALK, "speakers.json": '{"speakers": [{"name": "唐杰", '
                                                                         '"aliases": ["唐老师", ""]}]}'.encode()},
     r"/speakers\.json: speaker '唐杰': \"aliases\" must be a list of non-empty strings$"),
    ("speakers.json speaker without a name", {"a.md": TALK, "speakers.json": b'{"speakers": ["Tang Jie"]}'},
     r"/speakers\.json: speaker #1 needs a non-empty \"name\"$"),
]


def make_corpus(root: Path, files: dict) -> Path:
    d = root / "corpus"
    d.mkdir()
    files = {"speakers.json": SPEAKERS, **files}
    for name, data in files.items():
        if data is not None:
            (d / name).write_bytes(data)
    if len(list(d.iterdir())) < sum(data is not None for data in files.values()):
        pytest.skip("this file system cannot hold both names")
    return d


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("files, message", [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_corpus_fault_raises_parse_error_naming_file_and_line(tmp_path, files, message):
    d = make_corpus(tmp_path, files)
    with pytest.raises(ParseError, match=message) as err:
        Corpus.load(d)
    assert str(err.value).startswith(str(d))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("files, message", [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_cli_reports_a_corpus_fault_in_one_line_and_exits_2(tmp_path, files, message):
    d = make_corpus(tmp_path, files)
    before = snapshot(d)
    home = tmp_path / "home"
    out = subprocess.run([sys.executable, "-m", "rag", "--corpus", str(d), "--home", str(home), "ask", "x"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {d}"), out.stderr
    assert re.search(message, lines[0]), lines[0]
    assert snapshot(d) == before  # the corpus is only read
    assert not (home / "index").exists()


def test_missing_corpus_folder(tmp_path):
    with pytest.raises(ParseError, match=r"/nowhere: no such corpus folder$"):
        Corpus.load(tmp_path / "nowhere")
    out = subprocess.run([sys.executable, "-m", "rag", "--corpus", str(tmp_path / "nowhere"), "--home",
                          str(tmp_path / "home"), "ask", "x"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr == f"error: {tmp_path / 'nowhere'}: no such corpus folder\n"


def test_what_is_and_is_not_a_transcript(tmp_path):
    d = make_corpus(tmp_path, {"Talk.MD": TALK, "README.md": b"", ".hidden.md": b"", "notes.txt": b""})
    (d / "drafts.md").mkdir()  # a folder named like a transcript
    corpus = Corpus.load(d)
    assert list(corpus.files) == ["Talk"]
    assert [(p.speaker, p.kind, p.line) for p in corpus.passages if p.kind != "heading"] == [("唐杰", "talk", 3)]


def test_passage_offsets_refer_to_the_text_that_was_read(tmp_path):
    d = make_corpus(tmp_path, {"a.md": TALK})
    corpus = Corpus.load(d)
    text = corpus.texts["a"]
    assert all(text[p.start:p.end] == p.text for p in corpus.passages)
    assert corpus.fingerprint == Corpus.load(shutil.copytree(d, tmp_path / "copy")).fingerprint
