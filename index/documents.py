"""Per-document facts: title, language and moderators.

They live beside the transcript as `<id>.meta.json` (`{"title": ..., "lang": "en",
"moderators": [...]}`, every key optional). Without one, the title is the file's first heading
(else its id), the language is read from the text, and the moderators are the people the
speakers file marks `moderator: true` who take a labelled turn in this document.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from index.speakers import Speakers

META_SUFFIX = ".meta.json"
LANGS = ("zh", "en")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_FIRST_HEADING = re.compile(r"^#{1,6}\s+(.*\S)\s*$", re.M)


class MetaProblem(ValueError):
    """A document's meta file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    lang: str                      # "zh" or "en"
    moderators: tuple[str, ...]    # canonical names


def meta_path(transcript: Path) -> Path:
    return transcript.with_name(transcript.stem + META_SUFFIX)


def read_meta(file: Path) -> dict:
    """The meta file's object ({} if there is none); a bad one raises MetaProblem."""
    if not file.is_file():
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MetaProblem(f"{file}:{getattr(err, 'lineno', 1)}: not valid UTF-8 JSON: {err}") from None
    if not isinstance(data, dict):
        raise MetaProblem(f"{file}:1: expected a JSON object with title, lang, moderators")
    if "lang" in data and data["lang"] not in LANGS:
        raise MetaProblem(f"{file}:1: lang must be one of {', '.join(LANGS)}, got {data['lang']!r}")
    mods = data.get("moderators", [])
    if not isinstance(mods, list) or not all(isinstance(m, str) and m.strip() for m in mods):
        raise MetaProblem(f"{file}:1: moderators must be a list of names")
    return data


def detect_lang(text: str) -> str:
    """"zh" when Chinese characters are at least a third as many as Latin letters."""
    return "zh" if 3 * len(_CJK.findall(text)) >= len(_LATIN.findall(text)) else "en"


def describe(doc_id: str, text: str, meta: dict, speakers: Speakers, origin: str = "") -> Document:
    """The document's facts from its meta file, falling back to its text and the speakers file."""
    heading = _FIRST_HEADING.search(text)
    title = meta.get("title") or (heading.group(1) if heading else doc_id)
    lang = meta.get("lang") or detect_lang(text)
    if "moderators" in meta:
        mods = []
        for m in meta["moderators"]:
            name = speakers.person(m)
            if name is None:
                raise MetaProblem(f"{origin or doc_id}: moderator {m!r} is not in the speakers file")
            mods.append(name)
    else:
        mods = [s.name for s in speakers.all if s.moderator and _takes_turn(text, s, speakers)]
    return Document(doc_id, title, lang, tuple(mods))


def _takes_turn(text: str, speaker, speakers: Speakers) -> bool:
    """Whether a paragraph of `text` opens with this speaker's `Name：` label."""
    labels = speakers.label_pattern()
    return any(speakers.label_speaker(m.group(1)) == speaker.name
               for m in (labels.match(p.strip()) for p in re.split(r"\n\s*\n", text)) if m)
