"""The English edition of the transcript: complete, aligned, fresh; a damaged or stale one is
caught with the file and line; renderings follow the offsets."""
import hashlib
import json
import shutil

import pytest

from index.edition import check_edition, edition_units, find_editions, load_edition
from index.parse import ParseError
from rag.config import REPO

DOC = "agi-next-2026"
EDITION = REPO / "corpus" / f"{DOC}.en.jsonl"


@pytest.fixture(scope="module")
def source():
    return (REPO / "corpus" / f"{DOC}.md").read_text(encoding="utf-8")


def test_the_edition_covers_every_sentence_in_order_and_is_fresh(source):
    ed = load_edition(EDITION, DOC, source)
    assert not ed.stale and ed.lang == "en" and len(ed.units) == 299
    assert check_edition(ed, source) == []
    assert all(source[u.start:u.end] == u.source for u in ed.units)
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in u.text) for u in ed.units)   # English only


def test_edition_units_reproduce_the_offsets_of_the_hand_made_edition(source):
    records = [json.loads(line) for line in EDITION.read_text(encoding="utf-8").splitlines()[1:]]
    assert edition_units(source) == [(r["start"], r["end"]) for r in records]
    assert edition_units("## 标题\n\n第一句。第二句！\n\n  Third one. ") == [(0, 5), (7, 11), (11, 15), (19, 29)]


def test_an_edition_in_another_language_keys_its_text_by_that_language(tmp_path):
    source = "## 标题\n\n第一句。第二句！\n"
    units = [{"start": s, "end": e, "zh": source[s:e], "de": f"Satz {i}"}
             for i, (s, e) in enumerate(edition_units(source), 1)]
    header = {"edition": "de", "doc": "d", "source": "d.md",
              "source_sha256": hashlib.sha256(source.encode()).hexdigest()}
    file = tmp_path / "d.de.jsonl"
    file.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [header, *units]) + "\n", encoding="utf-8")
    ed = load_edition(file, "d", source)
    assert (ed.lang, ed.stale, [u.text for u in ed.units]) == ("de", False, ["Satz 1", "Satz 2", "Satz 3"])
    file.write_text(file.read_text(encoding="utf-8").replace('"de": "Satz 2"', '"en": "Satz 2"'), encoding="utf-8")
    with pytest.raises(ParseError, match=r"d\.de\.jsonl:3: a unit needs integer start, end and its text 'de'"):
        load_edition(file, "d", source)


def test_rendering_joins_the_units_a_span_overlaps(source):
    ed = load_edition(EDITION, DOC, source)
    a, b = ed.units[40], ed.units[41]
    assert ed.rendering(a.start, a.end) == a.text.strip()
    assert ed.rendering(a.start + 1, b.start + 1) == f"{a.text.strip()} {b.text.strip()}"


def _copy(tmp_path, source, edit):
    lines = EDITION.read_text(encoding="utf-8").splitlines()
    lines = edit(lines)
    (tmp_path / f"{DOC}.md").write_text(source, encoding="utf-8")
    (tmp_path / f"{DOC}.en.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path / f"{DOC}.en.jsonl"


def _set(lines, n, **changes):
    rec = json.loads(lines[n])
    rec.update(changes)
    lines[n] = json.dumps(rec, ensure_ascii=False)
    return lines


@pytest.mark.parametrize("edit, message", [
    (lambda ls: ls[:50] + ls[51:], r"\.en\.jsonl:1: source text at \d+ .* is in no unit"),
    (lambda ls: _set(ls, 10, start=json.loads(ls[9])["start"]), r"\.en\.jsonl:11: unit at \d+ overlaps"),
    (lambda ls: _set(ls, 5, en="  "), r"\.en\.jsonl:6: no translation"),
    (lambda ls: ls[:3] + ["{not json"] + ls[3:], r"\.en\.jsonl:4: not valid JSON"),
    (lambda ls: _set(ls, 7, end=10 ** 7), r"\.en\.jsonl:8: offsets .* outside the source"),
])
def test_a_damaged_edition_is_refused_with_file_and_line(tmp_path, source, edit, message):
    with pytest.raises(ParseError, match=message):
        load_edition(_copy(tmp_path, source, edit), DOC, source)


def test_a_changed_transcript_makes_the_edition_stale_and_unused_for_answers(tmp_path, source):
    changed = source.replace("唐杰", "唐 杰", 1)
    file = _copy(tmp_path, source, lambda ls: ls)
    (tmp_path / f"{DOC}.md").write_text(changed, encoding="utf-8")
    assert load_edition(file, DOC, changed).stale
    found = find_editions(tmp_path, {DOC: changed})
    assert list(found) == [(DOC, "en")] and found[(DOC, "en")].stale
    shutil.rmtree(tmp_path)
