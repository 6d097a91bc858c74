"""The speakers file: canonical names, roles and every way a person is named."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from index.records import EDITOR
from index.tokens import is_han


@dataclass(frozen=True)
class Speaker:
    name: str
    en: str
    role: str
    role_en: str
    aliases: tuple[str, ...]        # ways to name the person: used for attribution in the text
    organisations: tuple[str, ...]  # identify the person in a question, never in the text
    titles: tuple[str, ...]
    moderator: bool = False
    editor: bool = False


class Speakers:
    """Look-ups over the speakers file, longest alias first so 林俊旸 wins over 俊旸."""

    def __init__(self, speakers: list[Speaker]):
        if not speakers:
            raise ValueError("the speakers file lists no speakers")
        self.all = tuple(speakers)
        self.by_name = {s.name: s for s in speakers}
        # everyone who moderates any document: those flagged here, and those a document's meta
        # (or its text) names as its moderators, added by Corpus.load
        self.moderators = frozenset(s.name for s in speakers if s.moderator)
        self._name_re = _alternation(
            {a: s.name for s in speakers if not s.editor for a in (s.name, *s.aliases)})
        # "Does Yao think …?": a question may name a person by their family name alone
        self._family = _family_names(speakers)
        self._any_re = _alternation(
            {a: s.name for s in speakers if not s.editor
             for a in (s.name, *s.aliases, *s.organisations, *s.titles)} | self._family)
        self._titles = {a.lower() for s in speakers if not s.editor for a in s.titles}
        self._lookup = {a.lower(): s.name for s in speakers
                        for a in (s.name, *s.aliases, *s.organisations, *s.titles)}

    @classmethod
    def load(cls, path: Path) -> "Speakers":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        out = []
        for i, s in enumerate(data.get("speakers", [])):
            if "name" not in s:
                raise ValueError(f"{path}: speaker #{i + 1} has no 'name'")
            out.append(Speaker(
                name=s["name"], en=s.get("en", s["name"]), role=s.get("role", ""),
                role_en=s.get("role_en", s.get("role", "")),
                aliases=tuple(s.get("aliases", [])), organisations=tuple(s.get("organisations", [])),
                titles=tuple(s.get("titles", [])), moderator=bool(s.get("moderator")),
                editor=bool(s.get("editor")) or s["name"] == EDITOR))
        return cls(out)

    @property
    def name_pattern(self) -> str:
        """A regex alternation of every person alias, longest first."""
        return self._name_re.pattern

    def canonical(self, alias: str) -> str | None:
        """The canonical name for an exact alias (any case), or None."""
        return self._lookup.get(alias.strip().lower())

    def names_in(self, text: str) -> list[tuple[int, int, str]]:
        """Person names (not organisations) in `text`: (start, end, canonical name)."""
        return [(m.start(), m.end(), self._name_re.table[m.group(0).lower()])
                for m in self._name_re.finditer(text)]

    def mentions_in(self, text: str) -> list[tuple[int, int, str]]:
        """Any way of naming a person in a question, organisations and titles included."""
        return [(m.start(), m.end(), self._any_re.table[m.group(0).lower()])
                for m in self._any_re.finditer(text)]

    def person(self, alias: str) -> str | None:
        """The canonical name for a person's name or nickname (not an organisation or title)."""
        return self._name_re.table.get(alias.strip().lower())

    def is_person_alias(self, alias: str) -> bool:
        """True for a name or nickname (or a family name alone), False for an organisation or a title."""
        return alias.lower() in self._name_re.table or alias.lower() in self._family

    def names_one(self, alias: str) -> bool:
        """True for a name, a nickname or a title (主持人: it names one person as surely as a name
        does); False for an organisation, which only points to its people."""
        return self.is_person_alias(alias) or alias.lower() in self._titles

    def is_title(self, alias: str) -> bool:
        """True for a title (主持人, "moderator"): a word for the role, not a name."""
        return alias.lower() in self._titles

    def all_aliases(self) -> list[str]:
        return [a for s in self.all for a in (s.name, *s.aliases, *s.organisations, *s.titles)]

    def label_pattern(self) -> re.Pattern:
        """A turn label at the start of a paragraph: `姚顺雨：` / `Li Guangmi:`."""
        return re.compile(r"^(" + self._name_re.pattern + r")\s*[：:]", re.IGNORECASE)

    def label_speaker(self, label: str) -> str:
        return self._name_re.table[label.lower()]


class _Alternation:
    """A compiled alternation of aliases plus the table from alias to canonical name."""

    def __init__(self, table: dict[str, str]):
        self.table = {k.lower(): v for k, v in table.items()}
        parts = []
        for alias in sorted(table, key=len, reverse=True):
            esc = re.escape(alias)
            # Latin aliases match whole words only ("Kimi" not inside "Kimilinear").
            if re.match(r"[A-Za-z]", alias):
                esc = r"(?<![A-Za-z])" + esc + r"(?![A-Za-z])"
            parts.append(esc)
        self.pattern = "|".join(parts)
        self.regex = re.compile(self.pattern, re.IGNORECASE)

    def finditer(self, text: str):
        return self.regex.finditer(text)


def _family_names(speakers: list[Speaker]) -> dict[str, str]:
    """The family name of each person whose name is Chinese, in the English form the speakers
    file gives (written family name first: "Yao Shunyu" -> "Yao"), if no one else has it and it
    names nothing else in the file. Lower-case keys, matched in questions only: a transcript
    names a person in full when it attributes what they said."""
    taken = {a.lower() for s in speakers for a in (s.name, *s.aliases, *s.organisations, *s.titles)}
    family: dict[str, list[str]] = {}
    for s in speakers:
        parts = s.en.split()
        if not s.editor and len(parts) >= 2 and any(is_han(ch) for ch in s.name):
            family.setdefault(parts[0].lower(), []).append(s.name)
    return {k: names[0] for k, names in family.items() if len(names) == 1 and k not in taken}


def _alternation(table: dict[str, str]) -> _Alternation:
    return _Alternation(table)
