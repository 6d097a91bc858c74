"""Per-document title, language and moderators (a second transcript beside the summit's)."""
import json
from pathlib import Path

import pytest

from index.corpus import Corpus
from index.documents import detect_lang
from index.parse import ParseError

FORUM = Path(__file__).parent / "fixtures" / "forum"
REPO = Path(__file__).resolve().parent.parent


def test_each_document_has_its_own_title_language_and_moderator():
    c = Corpus.load(FORUM)
    assert (c.documents["forum"].title, c.documents["forum"].lang, c.documents["forum"].moderators) == \
        ("2026 开源模型论坛", "zh", ("王立新",))
    assert (c.documents["standup"].title, c.documents["standup"].lang) == ("Mobile app stand-up", "en")


def test_unlabelled_opening_question_is_the_forums_moderators_not_the_summits():
    c = Corpus.load(FORUM)
    opening = next(p for p in c.passages_of("forum") if p.text.startswith("开源模型在企业里"))
    assert (opening.speaker, opening.kind) == ("王立新", "moderator_question")
    assert not any(p.speaker == "李广密" for p in c.passages)


def test_the_summit_keeps_working_without_a_meta_file():
    doc = Corpus.load(REPO / "corpus").documents["agi-next-2026"]
    assert (doc.title, doc.lang, doc.moderators) == ("国产 AI 峰会 AGI-Next", "zh", ("李广密",))


def test_language_is_read_from_the_text():
    assert detect_lang("推理成本一年下降了大约十倍 GPU") == "zh"
    assert detect_lang("The login screen is done, 好的") == "en"


@pytest.mark.parametrize("meta, message", [
    ('{"lang": "fr"}', r"forum\.meta\.json:1: lang must be one of zh, en, got 'fr'"),
    ('{"moderators": "王立新"}', r"forum\.meta\.json:1: moderators must be a list"),
    ('{"moderators": ["Nobody"]}', r"forum\.meta\.json: moderator 'Nobody' is not in the speakers file"),
    ('{"title": ', r"forum\.meta\.json:1: not valid UTF-8 JSON"),
])
def test_bad_meta_files_are_refused_naming_the_file(tmp_path, meta, message):
    for f in FORUM.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "forum.meta.json").write_text(meta, encoding="utf-8")
    with pytest.raises(ParseError, match=message):
        Corpus.load(tmp_path)


def test_meta_changes_the_fingerprint(tmp_path):
    for f in FORUM.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    before = Corpus.load(tmp_path).fingerprint
    (tmp_path / "forum.meta.json").write_text(json.dumps({"moderators": []}), encoding="utf-8")
    changed = Corpus.load(tmp_path)
    assert changed.fingerprint != before and changed.documents["forum"].moderators == ()
