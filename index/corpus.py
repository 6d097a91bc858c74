"""The corpus folder: every transcript in it, parsed with the speakers file."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from index.parse import ParseError, Paragraph, paragraphs, parse_transcript, read_transcript
from index.records import Passage
from index.speakers import Speakers

TRANSCRIPT_SUFFIXES = (".md",)


@dataclass(frozen=True)
class Corpus:
    directory: Path
    speakers: Speakers
    files: dict[str, Path]           # doc_id -> file
    texts: dict[str, str]            # doc_id -> full text
    passages: tuple[Passage, ...]
    fingerprint: str                 # hash of the transcripts and the speakers file
    _by_doc: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, directory: Path) -> "Corpus":
        directory = Path(directory)
        speakers_file = directory / "speakers.json"
        if not speakers_file.exists():
            raise ParseError(f"{speakers_file}: missing; it lists the speakers and their aliases")
        speakers = Speakers.load(speakers_file)
        files: dict[str, Path] = {}
        for path in sorted(p for p in directory.iterdir()
                           if p.suffix in TRANSCRIPT_SUFFIXES and not p.name.startswith((".", "README"))):
            doc_id = path.stem
            if doc_id in files:
                raise ParseError(f"{path}:1: document id {doc_id!r} is also used by {files[doc_id].name}; "
                                 "rename one of the files")
            files[doc_id] = path
        if not files:
            raise ParseError(f"{directory}: no transcript (*.md) to index")
        texts = {d: read_transcript(p) for d, p in files.items()}
        passages = tuple(p for d, path in files.items() for p in parse_transcript(path, speakers, d))
        h = hashlib.sha256()
        for d, path in files.items():
            h.update(d.encode() + b"\0" + texts[d].encode("utf-8") + b"\0")
        h.update(speakers_file.read_bytes())
        by_doc: dict[str, list[Passage]] = {}
        for p in passages:
            by_doc.setdefault(p.doc_id, []).append(p)
        return cls(directory, speakers, files, texts, passages, h.hexdigest(), by_doc)

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self._by_doc.get(doc_id, [])

    def paragraphs_of(self, doc_id: str) -> list[Paragraph]:
        return paragraphs(self.texts[doc_id])

    def describe(self) -> list[dict]:
        return [{"doc_id": d, "file": p.name,
                 "sha256": hashlib.sha256(self.texts[d].encode("utf-8")).hexdigest()}
                for d, p in self.files.items()]
