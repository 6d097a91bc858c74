"""The large corpus of `eval.scale`: the project's corpus (the summit, its speakers, glossary,
editions) plus every QMSum meeting of every split, each meeting a document imported through
the same importer as `rag import`; `times` > 1 repeats each meeting under new ids
(`<id>-r2`, `<id>-r3`, ...) so that the corpus is that many times larger with the same text."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eval.qmsum import SPLITS, meeting_files
from index.documents import META_SUFFIX
from index.importers import read_cues
from index.ingest import import_document

REPEAT = "-r"   # a repeated meeting's id: the meeting's id, REPEAT, the copy's number (2, 3, ...)


@dataclass(frozen=True)
class LargeCorpus:
    directory: Path
    meetings: tuple[str, ...]     # doc ids of the QMSum meetings (first copies)
    documents: int                # every document, the project's own included
    characters: int               # of all transcript files


def build_large_corpus(qmsum: Path, project_corpus: Path, dest: Path, times: int = 1,
                       splits: tuple[str, ...] = SPLITS, limit: int | None = None) -> LargeCorpus:
    """Write the large corpus into `dest` (replaced if present): the project's corpus folder
    copied, then the meetings of `splits` (the first `limit` of each split, if given)."""
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")
    dest = Path(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        shutil.copytree(project_corpus, tmp, dirs_exist_ok=True)
        meetings = []
        for split in splits:
            for f in meeting_files(Path(qmsum), split)[:limit]:
                import_document(read_cues(f, "json"), tmp, f.stem, f.stem, "en", source=str(f), fmt="json")
                meetings.append(f.stem)
        for copy in range(2, times + 1):   # the same text under new ids; the speakers are known already
            for doc_id in meetings:
                new = f"{doc_id}{REPEAT}{copy}"
                shutil.copyfile(tmp / f"{doc_id}.md", tmp / f"{new}.md")
                meta = json.loads((tmp / f"{doc_id}{META_SUFFIX}").read_text(encoding="utf-8"))
                meta["title"] = new
                (tmp / f"{new}{META_SUFFIX}").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                                         encoding="utf-8")
        files = list(tmp.glob("*.md"))
        chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return LargeCorpus(dest, tuple(meetings), len(files), chars)
