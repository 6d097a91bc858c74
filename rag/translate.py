"""`python -m rag translate DOC [--lang en] [--force]`: the sentence-aligned edition of a
transcript (index.edition) in another language, made by the optional LLM, unit by unit.

Units go to the endpoint in small batches with a few neighbours as context (rag.translate_prompt);
a reply that lacks a unit, or has a key not asked for, is asked again once, then the unit is
reported. Each translation is appended to `<edition>.partial` as it arrives, so an interrupted
run resumes where it stopped; the finished edition is written to a temporary file and moved
into place.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.corpus import load_speakers, transcript_files
from index.edition import UNIT, Edition, Unit, check_edition, edition_file, edition_units, load_edition
from index.parse import ParseError, read_transcript
from rag.translate_prompt import Context, Reply, build_messages, read_reply

BATCH = 8               # units per request
CONTEXT = 2             # neighbouring units shown before and after a batch
TOKENS_PER_UNIT = 300   # reply budget: a long sentence in English, with its JSON key
SOURCE_KEY = "zh"       # the edition format keeps the source text under this key
_LANG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")  # a language tag that is safe in a file name


@dataclass(frozen=True)
class SourceUnit:
    n: int          # number in the document, from 1
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Failure:
    unit: SourceUnit
    problem: str


class Unavailable(Exception):
    """The endpoint gave no reply (connection, HTTP error, timeout); the message says why."""


def source_units(text: str) -> list[SourceUnit]:
    return [SourceUnit(n, s, e, text[s:e]) for n, (s, e) in enumerate(edition_units(text), start=1)]


# -- asking the model ---------------------------------------------------------------------------
class Translator:
    """Translates units with `chat` (anything with LangChain's `invoke(messages)`)."""

    def __init__(self, chat, lang: str, speakers=None, batch: int = BATCH, context: int = CONTEXT,
                 timeout: float = 20.0):
        if batch < 1:
            raise ValueError(f"batch must be at least 1 unit, got {batch}")
        self.chat, self.lang, self.speakers = chat, lang, speakers
        self.batch, self.context, self.timeout = batch, context, timeout
        self.requests = 0

    def translate(self, units: list[SourceUnit], done: dict[int, str],
                  on_unit: Callable[[SourceUnit, str], None]) -> list[Failure]:
        """Translate every unit not in `done` (number -> translation, filled in as they come);
        `on_unit` hears of each one. Returns the units that could not be translated."""
        failures = []
        for batch in self._batches(units, done):
            got, problem = self._ask(batch, units, done)
            for u in batch:
                if u.n in got:
                    done[u.n] = got[u.n]
                    on_unit(u, got[u.n])
                else:
                    failures.append(Failure(u, problem))
        return failures

    def _batches(self, units: list[SourceUnit], done: dict[int, str]) -> Iterator[list[SourceUnit]]:
        """Runs of consecutive units still to do, cut to the batch size."""
        run: list[SourceUnit] = []
        for u in units:
            if u.n in done or len(run) == self.batch:
                if run:
                    yield run
                run = []
            if u.n not in done:
                run.append(u)
        if run:
            yield run

    def _ask(self, batch: list[SourceUnit], units: list[SourceUnit], done: dict[int, str]):
        """(number -> translation, the last problem) after one request and one retry of what it lacked."""
        reply = self._request(batch, units, done)
        got = dict(reply.translations)
        if reply.missing:
            again = self._request([u for u in batch if u.n in reply.missing], units, {**done, **got})
            got.update(again.translations)
            return got, again.problem
        return got, ""

    def _request(self, batch: list[SourceUnit], units: list[SourceUnit], done: dict[int, str]) -> Reply:
        from rag.llm import _content, _reason
        first, last = batch[0].n - 1, batch[-1].n  # list positions around the batch
        before = [Context(u.n, u.text, done.get(u.n)) for u in units[max(0, first - self.context):first]]
        after = [Context(u.n, u.text) for u in units[last:last + self.context]]
        messages = build_messages(self.lang, [(u.n, u.text) for u in batch], before, after, self.speakers)
        self.requests += 1
        try:
            message = self.chat.invoke(messages)
        except Exception as err:  # the endpoint's fault: stop, keep what is done
            raise Unavailable(_reason(err, self.timeout)) from err
        try:
            content = _content(message)
        except ValueError as err:
            return Reply({}, tuple(u.n for u in batch), str(err))
        return read_reply(content, [u.n for u in batch])


# -- the partial file ---------------------------------------------------------------------------
class Partial:
    """`<edition>.partial`: the edition's header, then one record per unit as it is translated."""

    def __init__(self, path: Path, header: dict, lang: str):
        self.path, self.header, self.lang = path, header, lang
        self._out = None

    def load(self, units: list[SourceUnit], notice: Callable[[str], None]) -> dict[int, str]:
        """The translations kept from an earlier run of the same source; others are discarded."""
        if not self.path.exists():
            return {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
            header = json.loads(lines[0]) if lines else {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            notice(f"discarding {self.path}: unreadable ({err})")
            return {}
        if not isinstance(header, dict) or any(header.get(k) != self.header[k]
                                               for k in ("edition", "doc", "source_sha256")):
            notice(f"discarding {self.path}: it was made for another version of {self.header['source']}")
            return {}
        by_span = {(u.start, u.end): u for u in units}
        done, skipped = {}, 0
        for line in lines[1:]:
            try:
                rec = json.loads(line)
                u = by_span[(rec["start"], rec["end"])]
                text = rec[self.lang]
            except (json.JSONDecodeError, TypeError, KeyError):
                skipped += 1  # a line cut short when a run was stopped
                continue
            if rec.get(SOURCE_KEY) == u.text and isinstance(text, str) and text.strip():
                done[u.n] = text
            else:
                skipped += 1
        notice(f"resuming from {self.path}: {len(done)} of {len(units)} units already translated"
               + (f" ({skipped} unusable line(s) skipped)" if skipped else ""))
        return done

    def start(self, units: list[SourceUnit], done: dict[int, str]):
        """Rewrite the file with what is kept (dropping any line cut short), then append to it."""
        _write_atomically(self.path, [self.header] + [self.record(u, done[u.n]) for u in units if u.n in done])
        self._out = self.path.open("a", encoding="utf-8")

    def add(self, unit: SourceUnit, text: str):
        self._out.write(json.dumps(self.record(unit, text), ensure_ascii=False) + "\n")
        self._out.flush()

    def record(self, u: SourceUnit, text: str) -> dict:
        return {"start": u.start, "end": u.end, SOURCE_KEY: u.text, self.lang: text}

    def close(self):
        if self._out:
            self._out.close()
            self._out = None


def _write_atomically(path: Path, records: list[dict]):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- the command --------------------------------------------------------------------------------
def translate_command(config, doc: str, lang: str = "en", force: bool = False, batch: int = BATCH) -> int:
    """Run `rag translate`; prints what it did and returns the exit code (0 done or nothing to do,
    1 incomplete: run again to resume, 2 bad input or no LLM configured, 130 interrupted)."""
    def notice(text: str):
        print(text, file=sys.stderr)

    try:
        return _translate(config, doc, lang.lower(), force, batch, notice)
    except (ParseError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _translate(config, doc: str, lang: str, force: bool, batch: int, notice) -> int:
    from tqdm import tqdm
    if not _LANG.fullmatch(lang) or lang == SOURCE_KEY:
        raise ValueError(f"--lang must be a language tag such as en or de (not {SOURCE_KEY}, the source's key), "
                         f"got {lang!r}")
    corpus_dir = Path(config.corpus_dir)
    if not corpus_dir.is_dir():
        raise ParseError(f"{corpus_dir}: no such corpus folder")
    doc_id = Path(doc).name[:-3] if doc.lower().endswith(".md") else Path(doc).name
    files = transcript_files(corpus_dir)
    if doc_id not in files:
        raise ValueError(f"no transcript {doc!r} in {corpus_dir} (documents: {', '.join(files) or 'none'})")
    source = read_transcript(files[doc_id])
    target = edition_file(corpus_dir, doc_id, lang)
    reuse: dict[str, str] = {}
    if target.exists() and not force:
        try:
            existing = load_edition(target, doc_id, source)
        except ParseError as err:
            raise ParseError(f"{err}; fix it, or run with --force to translate anew") from None
        if not existing.stale:
            print(f"{target} is up to date with {files[doc_id].name}; nothing to do (--force translates it anew)")
            return 0
        notice(f"{target} is stale: {files[doc_id].name} changed since it was made; translating the changed units")
        reuse = {u.source: u.text for u in existing.units if u.source}
    if not (config.llm_base_url and config.llm_model):
        raise ValueError("translating needs an LLM: set RAG_LLM_BASE_URL and RAG_LLM_MODEL "
                         "(an OpenAI-compatible endpoint; RAG_LLM_API_KEY and RAG_LLM_TIMEOUT if it needs them)")
    speakers_file = corpus_dir / "speakers.json"
    speakers = load_speakers(speakers_file) if speakers_file.is_file() else None
    from rag.llm import chat_model
    chat = chat_model(config.llm_base_url, config.llm_model, config.llm_api_key, config.llm_timeout,
                      max_tokens=TOKENS_PER_UNIT * batch)
    translator = Translator(chat, lang, speakers, batch, CONTEXT, config.llm_timeout)

    units = source_units(source)
    header = {"edition": lang, "doc": doc_id, "source": files[doc_id].name,
              "source_sha256": hashlib.sha256(source.encode("utf-8")).hexdigest(), "unit": UNIT,
              "translated": f"by {config.llm_model} with rag translate, unit by unit, "
                            f"{datetime.date.today().isoformat()}"}
    partial = Partial(target.with_name(target.name + ".partial"), header, lang)
    done = {} if force else partial.load(units, notice)
    done.update({u.n: reuse[u.text] for u in units if u.n not in done and u.text in reuse})
    before_run = set(done)
    partial.start(units, done)
    bar = tqdm(total=len(units), initial=len(done), unit="unit", desc=f"{doc_id} → {lang}", file=sys.stderr)
    try:
        failures = translator.translate(units, done, lambda u, text: (partial.add(u, text), bar.update()))
    except Unavailable as err:
        bar.close()
        print(f"error: the LLM failed ({err}); {len(done)} of {len(units)} units are kept in {partial.path}; "
              "run again to resume", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        bar.close()
        print(f"interrupted; {len(done)} of {len(units)} units are kept in {partial.path}; run again to resume",
              file=sys.stderr)
        return 130
    finally:
        partial.close()
    bar.close()
    if failures:
        print(f"error: {len(failures)} unit(s) could not be translated; the {len(done)} others are kept in "
              f"{partial.path}; run again to retry:", file=sys.stderr)
        for f in failures:
            line = source.count("\n", 0, f.unit.start) + 1
            print(f"  unit {f.unit.n} (line {line}, {f.unit.start}..{f.unit.end}) {f.unit.text[:40]!r}: {f.problem}",
                  file=sys.stderr)
        return 1
    edition = Edition(doc_id, lang, target, tuple(Unit(u.start, u.end, u.text, done[u.n]) for u in units), False)
    problems = check_edition(edition, source)
    if problems:  # cannot happen with units from edition_units; refuse rather than write a bad file
        raise ParseError(f"{target}:{problems[0][0]}: {problems[0][1]}")
    _write_atomically(target, [header] + [partial.record(u, done[u.n]) for u in units])
    partial.path.unlink(missing_ok=True)
    asked = len(units) - len(before_run)
    print(f"wrote {target}: {len(units)} units in {lang} ({asked} translated now in {translator.requests} "
          f"request(s), {len(before_run)} from an earlier run)")
    return 0
