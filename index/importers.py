"""Readers for real transcript formats -> speaker turns.

WebVTT with `<v Name>` voice tags (Zoom, Teams, YouTube) through webvtt-py; SRT whose cue
text starts with `Name:` through srt; JSON turn lists (`[{speaker, text|content}]`, or an
object holding one under `turns` or `meeting_transcripts`, the QMSum layout); plain text of
`Name: text` lines. A cue without a speaker continues the previous one; consecutive cues of
one speaker merge into one turn that keeps the first cue's start time as its anchor.
Problems raise ImportProblem as `file:line: reason`.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("vtt", "srt", "json", "txt")
JSON_TURN_KEYS = ("turns", "meeting_transcripts")
JSON_TEXT_KEYS = ("text", "content")
MAX_LABEL = 60  # characters: a longer "label" before a colon is a sentence, not a name
# `Name: text` / `Name：text`; a label has no sentence punctuation and does not start with a
# digit; an ASCII colon is followed by a space (so "3:1" and "12:30" are not labels).
_LABEL = re.compile(r"^\s*(?P<name>[^\s:：,，.。!?！？\"“”\d][^:：,，。!?！？\"“”]*?)\s*(?:：|:(?=\s))\s*(?P<text>\S.*)$", re.S)


_SRT_TAGS = re.compile(r"</?(?:i|b|u|font)\b[^>]*>", re.I)  # the formatting tags SRT players honour


class ImportProblem(ValueError):
    """A transcript file that cannot be imported; the message is `file:line: reason`."""


@dataclass(frozen=True)
class Cue:
    """One speaker-labelled piece of the source: a subtitle cue, a JSON turn, a text line."""
    speaker: str
    text: str
    line: int             # 1-based line in the source file (for messages)
    anchor: str = ""      # start time, where the format has one (`00:01:02.500`)


@dataclass(frozen=True)
class Turn:
    """Consecutive cues of one speaker; `cues` are their positions in the source order."""
    speaker: str
    pieces: tuple[str, ...]
    cues: tuple[int, ...]
    anchor: str = ""


def detect_format(path: Path, fmt: str | None = None) -> str:
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ImportProblem(f"{path}:1: unknown transcript format {fmt!r}; use --format with one of "
                            + ", ".join(FORMATS))
    return fmt


def read_cues(path: Path, fmt: str | None = None) -> list[Cue]:
    """The speaker-labelled cues of a transcript file, in order."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ImportProblem(f"{path}:1: cannot read: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ImportProblem(f"{path}:{line}: not valid UTF-8 (byte {err.start})") from None
    cues = _READERS[fmt](path, text)
    if not cues:
        raise ImportProblem(f"{path}:1: no speaker-labelled text found")
    return cues


def merge(cues: list[Cue]) -> list[Turn]:
    """Consecutive cues of one speaker become one turn."""
    turns: list[Turn] = []
    for i, c in enumerate(cues):
        if turns and turns[-1].speaker == c.speaker:
            t = turns[-1]
            turns[-1] = Turn(t.speaker, t.pieces + (c.text,), t.cues + (i,), t.anchor)
        else:
            turns.append(Turn(c.speaker, (c.text,), (i,), c.anchor))
    return turns


def split_label(text: str) -> tuple[str, str] | None:
    """(name, text) of a `Name: text` line, or None."""
    m = _LABEL.match(text)
    if not m or len(m.group("name")) > MAX_LABEL:
        return None
    return m.group("name").strip(), m.group("text").strip()


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _read_vtt(path: Path, text: str) -> list[Cue]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError
    try:
        vtt = webvtt.from_buffer(io.StringIO(text))
    except (MalformedFileError, MalformedCaptionError) as err:
        raise ImportProblem(f"{path}:1: not a WebVTT file ({err}); it must start with `WEBVTT`") from None
    lines = text.splitlines()
    out, speaker, pos = [], None, 0
    for cap in vtt.captions:
        pos = _line_of(lines, f"{cap.start} -->", pos)
        body = _clean(cap.text)
        if not body:
            continue
        if cap.voice:
            speaker = _clean(cap.voice)
        elif (label := split_label(body)) is not None:
            speaker, body = label
        if speaker is None:
            raise ImportProblem(f"{path}:{pos + 1}: cue without a speaker: no `<v Name>` voice tag "
                                "and no `Name:` before it")
        out.append(Cue(speaker, body, pos + 1, cap.start))
    return out


def _read_srt(path: Path, text: str) -> list[Cue]:
    import srt
    try:
        subs = list(srt.parse(text))
    except srt.SRTParseError as err:
        line = text.count("\n", 0, err.expected_start) + 1
        raise ImportProblem(f"{path}:{line}: not a valid SRT cue: {err.unmatched_content.strip()[:60]!r}") from None
    lines = text.splitlines()
    out, speaker, pos = [], None, 0
    for sub in subs:
        start = srt.timedelta_to_srt_timestamp(sub.start)
        pos = _line_of(lines, f"{start} -->", pos)
        body = _clean(_SRT_TAGS.sub("", sub.content))
        if not body:
            continue
        label = split_label(body)
        if label is not None:
            speaker, body = label
        if speaker is None:
            raise ImportProblem(f"{path}:{pos + 1}: cue without a speaker: the first cue must start "
                                "with `Name:`")
        out.append(Cue(speaker, body, pos + 1, start.replace(",", ".")))
    return out


def _read_json(path: Path, text: str) -> list[Cue]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ImportProblem(f"{path}:{err.lineno}: not valid JSON: {err.msg}") from None
    if isinstance(data, dict):
        key = next((k for k in JSON_TURN_KEYS if isinstance(data.get(k), list)), None)
        if key is None:
            raise ImportProblem(f"{path}:1: expected a list of turns, or an object with one under "
                                + " or ".join(f'"{k}"' for k in JSON_TURN_KEYS))
        data = data[key]
    if not isinstance(data, list):
        raise ImportProblem(f"{path}:1: expected a list of turns {{speaker, text}}")
    out = []
    for i, turn in enumerate(data, 1):
        body = next((turn.get(k) for k in JSON_TEXT_KEYS if isinstance(turn, dict) and k in turn), None)
        speaker = turn.get("speaker") if isinstance(turn, dict) else None
        if not isinstance(speaker, str) or not speaker.strip() or not isinstance(body, str):
            raise ImportProblem(f"{path}:{_json_line(text, i)}: turn #{i} needs a \"speaker\" and a "
                                f"\"text\" or \"content\" string")
        if _clean(body):
            out.append(Cue(_clean(speaker), _clean(body), _json_line(text, i)))
    return out


def _read_txt(path: Path, text: str) -> list[Cue]:
    out: list[Cue] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        label = split_label(line)
        if label is not None:
            out.append(Cue(label[0], label[1], n))
        elif out:  # a wrapped line continues the turn above
            last = out[-1]
            out[-1] = Cue(last.speaker, f"{last.text} {_clean(line)}", last.line)
        else:
            raise ImportProblem(f"{path}:{n}: expected `Name: text`, got {line.strip()[:60]!r}")
    return out


def _line_of(lines: list[str], needle: str, start: int) -> int:
    """0-based index of the first line at or after `start` that starts with `needle`."""
    for i in range(start, len(lines)):
        if lines[i].lstrip().startswith(needle):
            return i
    return start


def _json_line(text: str, n: int) -> int:
    """The line of the n-th `"speaker"` key: close enough to point at a bad turn."""
    pos = -1
    for _ in range(n):
        pos = text.find('"speaker"', pos + 1)
        if pos < 0:
            return 1
    return text.count("\n", 0, pos) + 1


_READERS = {"vtt": _read_vtt, "srt": _read_srt, "json": _read_json, "txt": _read_txt}
