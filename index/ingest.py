"""Imported turns -> a corpus document: Markdown the parser reads, its meta file, and its
speakers added to the speakers file. Everything is checked (parsed) before anything is
written; each file is written to a temporary file beside it and moved into place.

The Markdown: `# Title`, then one paragraph per turn, `Name: text` (`Name：text` in Chinese),
each preceded by its start time as an HTML comment (`<!-- 00:01:02.500 -->`) where the
source has one; the parser skips comments, so anchors are never quoted as speech.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.documents import META_SUFFIX, detect_lang
from index.importers import Cue, ImportProblem, Turn, merge
from index.parse import ParseError, parse_text
from index.speakers import Speakers

# `Hon. Bill Morneau (Minister of Finance)`: a name, then the role it speaks in.
_ROLE = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<role>.+)\)\s*$")
_ID = re.compile(r"^[\w.\-]+$")


@dataclass(frozen=True)
class Rendered:
    """A document's Markdown and where each source cue's text lies in it."""
    markdown: str
    cue_spans: tuple[tuple[int, int], ...]   # (start, end) in `markdown`, one per source cue
    speakers: tuple[tuple[str, str], ...]    # (name, role) of each person, in order of first turn


def speaker_and_role(label: str) -> tuple[str, str]:
    """`Name (Role)` -> (Name, Role); a plain label is a name with no role."""
    m = _ROLE.match(label)
    return (m.group("name").strip(), m.group("role").strip()) if m else (label.strip(), "")


def render(title: str, cues: list[Cue], lang: str) -> Rendered:
    """The Markdown of a document; consecutive cues of one speaker form one paragraph."""
    named = [Cue(speaker_and_role(c.speaker)[0], c.text, c.line, c.anchor) for c in cues]
    roles: dict[str, str] = {}
    for c in cues:
        name, role = speaker_and_role(c.speaker)
        if name not in roles or (role and not roles[name]):
            roles[name] = role
    sep = "：" if lang == "zh" else ": "
    out = f"# {title.strip()}\n\n"
    spans: list[tuple[int, int]] = [(0, 0)] * len(cues)
    for turn in merge(named):
        if turn.anchor:
            out += f"<!-- {turn.anchor} -->\n\n"
        out += turn.speaker + sep
        for k, (piece, i) in enumerate(zip(turn.pieces, turn.cues)):
            if k:
                out += " "
            spans[i] = (len(out), len(out) + len(piece))
            out += piece
        out += "\n\n"
    return Rendered(out.rstrip("\n") + "\n", tuple(spans), tuple(roles.items()))


def speaker_entries(people: tuple[tuple[str, str], ...], known: Speakers | None) -> list[dict]:
    """New speakers-file entries for people not in it yet. A personal name between a leading
    title that ends in a period and a trailing post-nominal in capitals (`Hon. Bill Morneau`,
    `Kirsty Williams AM`) is also known without them and by its last word, unless that would
    name someone else."""
    taken = {a.lower() for a in known.all_aliases()} if known else set()
    out = []
    for name, role in people:
        if known and known.canonical(name) is not None:
            continue
        aliases = [name]
        bare = _bare_name(name)
        if bare:
            aliases += [" ".join(bare), bare[-1]]
        aliases = [a for a in dict.fromkeys(aliases) if a == name or a.lower() not in taken]
        taken.update(a.lower() for a in aliases)
        entry = {"name": name, "en": name, "role": role, "role_en": role, "aliases": aliases}
        if role and role.lower() not in taken:
            entry["titles"] = [role]
            taken.add(role.lower())
        out.append(entry)
    return out


def _bare_name(name: str) -> list[str]:
    """The words of a personal name without a leading `Mr.`/`Hon.` and a trailing `AM`/`MP`;
    [] when there is no such title, or fewer than two words remain."""
    words = name.split()
    lead = max((i + 1 for i, w in enumerate(words[:2]) if w.endswith(".")), default=0)
    tail = len(words) - 1 if len(words) > 1 and words[-1].isupper() and 2 <= len(words[-1]) <= 4 else len(words)
    bare = words[lead:tail]
    return bare if (lead or tail < len(words)) and len(bare) >= 2 and all(w[:1].isupper() for w in bare) else []


def import_document(cues: list[Cue], corpus_dir: Path, doc_id: str, title: str | None = None,
                    lang: str | None = None, moderators: tuple[str, ...] = (), source: str = "",
                    fmt: str = "") -> Path:
    """Write one imported transcript into the corpus folder; returns the Markdown file."""
    corpus_dir = Path(corpus_dir)
    if not _ID.match(doc_id):
        raise ImportProblem(f"{source or doc_id}:1: document id {doc_id!r} may hold only letters, "
                            "digits, '.', '_' and '-'; choose one with --id")
    target = corpus_dir / f"{doc_id}.md"
    key = unicodedata.normalize("NFC", doc_id).casefold()
    for existing in corpus_dir.glob("*.md"):
        if unicodedata.normalize("NFC", existing.stem).casefold() == key:
            raise ImportProblem(f"{source or doc_id}:1: document {existing.name} is already in "
                                f"{corpus_dir}; choose another id with --id or remove it first")
    lang = lang or detect_lang(" ".join(c.text for c in cues))
    rendered = render(title or doc_id, cues, lang)
    speakers_file = corpus_dir / "speakers.json"
    data = json.loads(speakers_file.read_text(encoding="utf-8")) if speakers_file.is_file() else {"speakers": []}
    from index.corpus import load_speakers
    known = load_speakers(speakers_file) if data["speakers"] else None
    data["speakers"] += speaker_entries(rendered.speakers, known)
    speakers_json = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    meta = {"title": (title or doc_id).strip(), "lang": lang, "moderators": list(moderators)}
    if source:
        meta["source"], meta["format"] = Path(source).name, fmt
    _check(rendered.markdown, speakers_json, doc_id, moderators, corpus_dir, str(target))
    write_aside(speakers_file, speakers_json)   # new people first: harmless without the document
    write_aside(corpus_dir / f"{doc_id}{META_SUFFIX}", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    write_aside(target, rendered.markdown)
    return target


def _check(markdown: str, speakers_json: str, doc_id: str, moderators: tuple[str, ...],
           corpus_dir: Path, origin: str) -> None:
    """Parse the document with the new speakers file before anything is written."""
    from index.corpus import load_speakers
    with tempfile.TemporaryDirectory(dir=corpus_dir, prefix=".import-") as tmp:
        f = Path(tmp) / "speakers.json"
        f.write_text(speakers_json, encoding="utf-8")
        try:
            speakers = load_speakers(f)
            mods = []
            for m in moderators:
                if speakers.person(m) is None:
                    raise ImportProblem(f"{origin}:1: moderator {m!r} takes no turn in this transcript "
                                        "and is not in the speakers file")
                mods.append(speakers.person(m))
            parse_text(markdown, speakers, doc_id, origin, tuple(mods))
        except ParseError as err:
            raise ImportProblem(str(err)) from None


def write_aside(path: Path, text: str) -> None:
    """Write text to a temporary file beside `path`, then move it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["Rendered", "Turn", "import_document", "render", "speaker_and_role", "speaker_entries", "write_aside"]
