"""The corpus folder: every transcript in it, parsed with the speakers file.

A transcript is a `*.md` file (any case of the suffix; README and hidden files excepted); its
document id is the file stem. Two files whose ids differ only in case or Unicode form (`A.md`
and `a.md`, `a.md` and `a.MD`) are refused: they cannot both exist on a case-insensitive file
system, so the corpus would silently change when copied to one, and citations naming `A` and
`a` would be hard to tell apart.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from index.documents import Document, MetaProblem, describe, meta_path, read_meta
from index.parse import ParseError, Paragraph, paragraphs, parse_text, read_transcript
from index.records import Passage
from index.speakers import Speakers

TRANSCRIPT_SUFFIXES = (".md",)
_NAME_LISTS = ("aliases", "organisations", "titles")


@dataclass(frozen=True)
class Corpus:
    directory: Path
    speakers: Speakers
    files: dict[str, Path]           # doc_id -> file
    texts: dict[str, str]            # doc_id -> full text
    passages: tuple[Passage, ...]
    fingerprint: str                 # hash of the transcripts, the speakers and background files
    background: tuple[str, ...] = ()  # everyday sentences, the off-topic reference (background.txt)
    documents: dict = field(default_factory=dict)  # doc_id -> Document (title, lang, moderators)
    _by_doc: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, directory: Path) -> "Corpus":
        """Read and parse every transcript; a problem raises ParseError naming file and line."""
        directory = Path(directory)
        if not directory.is_dir():
            raise ParseError(f"{directory}: no such corpus folder")
        speakers_file = directory / "speakers.json"
        if not speakers_file.is_file():
            raise ParseError(f"{speakers_file}: missing; it lists the speakers and their aliases")
        speakers_bytes = _read_bytes(speakers_file)
        speakers = load_speakers(speakers_file, speakers_bytes)
        files = transcript_files(directory)
        texts = {d: _read_text(p) for d, p in files.items()}
        metas = {d: _read_meta(p) for d, p in files.items()}
        documents = {d: _describe(d, texts[d], metas[d], speakers, p) for d, p in files.items()}
        speakers.moderators = speakers.moderators | {m for doc in documents.values() for m in doc.moderators}
        # Parse the text just read (not the file again), so offsets always refer to `texts`.
        passages = tuple(p for d, path in files.items()
                         for p in parse_text(texts[d], speakers, d, str(path), documents[d].moderators))
        h = hashlib.sha256()
        for d in files:
            h.update(d.encode() + b"\0" + texts[d].encode("utf-8") + b"\0")
            h.update(json.dumps(metas[d], sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\0")
        h.update(speakers_bytes)
        background = _background_lines(directory / BACKGROUND_FILE)
        h.update("\n".join(background).encode("utf-8"))
        by_doc: dict[str, list[Passage]] = {}
        for p in passages:
            by_doc.setdefault(p.doc_id, []).append(p)
        return cls(directory, speakers, files, texts, passages, h.hexdigest(), background,
                   documents, by_doc)

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self._by_doc.get(doc_id, [])

    def paragraphs_of(self, doc_id: str) -> list[Paragraph]:
        return paragraphs(self.texts[doc_id])

    def describe(self) -> list[dict]:
        return [{"doc_id": d, "file": p.name,
                 "sha256": hashlib.sha256(self.texts[d].encode("utf-8")).hexdigest()}
                for d, p in self.files.items()]


def transcript_files(directory: Path) -> dict[str, Path]:
    """doc_id -> file for every transcript in `directory`, sorted by file name."""
    files: dict[str, Path] = {}
    seen: dict[str, Path] = {}  # case- and Unicode-folded id -> file
    for path in sorted(p for p in directory.iterdir()
                       if p.suffix.lower() in TRANSCRIPT_SUFFIXES and p.is_file()
                       and not p.name.startswith((".", "README"))):
        doc_id = path.stem
        key = unicodedata.normalize("NFC", doc_id).casefold()
        if key in seen:
            raise ParseError(f"{path}:1: document id {doc_id!r} clashes with {seen[key].name} "
                             "(ids are file names without the suffix, compared ignoring case); "
                             "rename one of the files")
        seen[key] = path
        files[doc_id] = path
    if not files:
        raise ParseError(f"{directory}: no transcript (*.md) to index")
    return files


BACKGROUND_FILE = "background.txt"


def _background_lines(file: Path) -> tuple[str, ...]:
    """Non-empty, non-comment lines of the optional off-topic reference file."""
    if not file.is_file():
        return ()
    return tuple(line.strip() for line in _read_text(file).splitlines()
                 if line.strip() and not line.lstrip().startswith("#"))


def load_speakers(file: Path, raw: bytes | None = None) -> Speakers:
    """The speakers file, checked: a JSON object with a list of speakers, each a name and
    lists of non-empty aliases; errors name the file (and the line, for JSON syntax)."""
    raw = _read_bytes(file) if raw is None else raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise ParseError(f"{file}:{line}: not valid UTF-8 (byte {err.start}); save it as UTF-8") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ParseError(f"{file}:{err.lineno}: not valid JSON: {err.msg} (column {err.colno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("speakers"), list) or not data["speakers"]:
        raise ParseError(f"{file}:1: expected an object with a non-empty \"speakers\" list")
    for i, s in enumerate(data["speakers"], 1):
        if not isinstance(s, dict) or not isinstance(s.get("name"), str) or not s["name"].strip():
            raise ParseError(f"{file}: speaker #{i} needs a non-empty \"name\"")
        for key in _NAME_LISTS:
            names = s.get(key, [])
            if not isinstance(names, list) or not all(isinstance(a, str) and a.strip() for a in names):
                raise ParseError(f"{file}: speaker {s['name']!r}: \"{key}\" must be a list of non-empty strings")
    try:
        return Speakers.load(file)
    except (ValueError, OSError) as err:
        raise ParseError(f"{file}: {err}") from None


def _read_meta(transcript: Path) -> dict:
    try:
        return read_meta(meta_path(transcript))
    except MetaProblem as err:
        raise ParseError(str(err)) from None


def _describe(doc_id: str, text: str, meta: dict, speakers: Speakers, path: Path) -> Document:
    try:
        return describe(doc_id, text, meta, speakers, str(meta_path(path)))
    except MetaProblem as err:
        raise ParseError(str(err)) from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise ParseError(f"{path}:1: cannot read: {err.strerror or err}") from None


def _read_text(path: Path) -> str:
    try:
        return read_transcript(path)
    except OSError as err:
        raise ParseError(f"{path}:1: cannot read: {err.strerror or err}") from None
