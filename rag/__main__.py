"""Command line: `python -m rag ask "QUESTION" [--history "EARLIER" ... | --history-json FILE] [--doc ID ...] [--json]`,
`python -m rag import PATH... [--format F] [--id ID] [--title T] [--lang zh|en]`,
`python -m rag translate DOC [--lang en] [--force]`, `python -m rag build [--force]`, `python -m rag info`."""
from __future__ import annotations

import argparse
import json
import logging
import sys

from rag.config import from_env


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rag", description="Ask the transcripts in the corpus folder.")
    p.add_argument("--home", help="folder for the converted model and the index (RAG_HOME)")
    p.add_argument("--store", help="where the index lives: faiss (default), qdrant:PATH or http(s)://HOST:PORT (RAG_STORE)")
    p.add_argument("--corpus", dest="corpus_dir", help="transcript folder (RAG_CORPUS_DIR)")
    p.add_argument("--model", help="sentence-transformers model name or path (RAG_MODEL)")
    p.add_argument("--chunk-size", type=int)
    p.add_argument("--chunk-overlap", type=int)
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)
    ask = sub.add_parser("ask", help="answer a question")
    ask.add_argument("question")
    ask.add_argument("--history", action="append", default=[], help="an earlier question (repeatable, oldest first)")
    ask.add_argument("--history-json", metavar="FILE",
                     help="the earlier turns as JSON: [{question, speakers, citations}, ...], oldest first "
                          "(what --json prints is a turn); '-' reads standard input")
    ask.add_argument("--speaker", action="append", default=None, help="only passages of this speaker (repeatable)")
    ask.add_argument("--doc", action="append", default=None, help="only this document (id; repeatable)")
    ask.add_argument("--top-k", type=int, help="passages to retrieve (RAG_TOP_K)")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument("--llm-base-url", help="OpenAI-compatible endpoint (RAG_LLM_BASE_URL)")
    ask.add_argument("--llm-model", help="model name at that endpoint (RAG_LLM_MODEL)")
    ask.add_argument("--llm-api-key", help="API key (prefer RAG_LLM_API_KEY: flags show in `ps`)")
    ask.add_argument("--llm-timeout", type=float, help="seconds (RAG_LLM_TIMEOUT)")
    build = sub.add_parser("build", help="build the index now (rebuilds if stale)")
    build.add_argument("--force", action="store_true", help="rebuild even if the index is current")
    sub.add_parser("info", help="show the index manifest")
    imp = sub.add_parser("import", help="add transcripts (WebVTT, SRT, JSON turns, `Name: text`) to the corpus")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--format", choices=("vtt", "srt", "json", "txt"), help="default: from the file suffix")
    imp.add_argument("--id", dest="doc_id", help="document id (default: the file name without suffix)")
    imp.add_argument("--title", help="document title (default: the id)")
    imp.add_argument("--lang", choices=("zh", "en"), help="default: read from the text")
    imp.add_argument("--moderator", action="append", default=[], help="who chairs (repeatable)")
    tr = sub.add_parser("translate", help="write the sentence-aligned edition of a transcript in another "
                                          "language with the LLM (RAG_LLM_*); resumes an interrupted run")
    tr.add_argument("doc", help="document id (the transcript's file name in the corpus folder)")
    tr.add_argument("--lang", default="en", help="language of the edition (default: en)")
    tr.add_argument("--force", action="store_true", help="translate anew even if the edition is current")
    tr.add_argument("--batch", type=int, default=8, help="units per request (default: 8)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from pathlib import Path
    try:
        config = from_env(
            home=Path(args.home) if args.home else None, store=args.store,
            corpus_dir=Path(args.corpus_dir) if args.corpus_dir else None,
            model=args.model, chunk_size=args.chunk_size, chunk_overlap=args.chunk_overlap,
            top_k=getattr(args, "top_k", None), llm_base_url=getattr(args, "llm_base_url", None),
            llm_model=getattr(args, "llm_model", None), llm_api_key=getattr(args, "llm_api_key", None),
            llm_timeout=getattr(args, "llm_timeout", None))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.cmd == "import":
        return _import(args, config.corpus_dir)
    if args.cmd == "translate":  # needs no index
        from rag.translate import translate_command
        return translate_command(config, args.doc, args.lang, args.force, args.batch)
    from index.parse import ParseError
    from index.store import IndexProblem
    from rag.pipeline import Pipeline
    try:
        pipeline = Pipeline(config)
        if args.cmd == "build":
            return _build(pipeline, args.force)
        if args.cmd == "info":
            pipeline.warm_up()
            print(json.dumps(pipeline.index.manifest, ensure_ascii=False, indent=2))
            return 0
        history = args.history + (_history_json(args.history_json) if args.history_json else [])
        answer = pipeline.answer(args.question, history, args.speaker, docs=args.doc)
    except (ParseError, IndexProblem, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else _readable(answer))
    except BrokenPipeError:  # `| head`: the reader left; say nothing more
        sys.stderr.close()
    return 0


def _import(args, corpus_dir) -> int:
    """Each file becomes one corpus document; the first bad file stops the import."""
    from index.importers import ImportProblem, detect_format, read_cues
    from index.ingest import import_document
    from pathlib import Path
    if len(args.paths) > 1 and (args.doc_id or args.title):
        print("error: --id and --title name one document; import one file at a time with them",
              file=sys.stderr)
        return 2
    for path in map(Path, args.paths):
        try:
            fmt = detect_format(path, args.format)
            cues = read_cues(path, fmt)
            out = import_document(cues, corpus_dir, args.doc_id or path.stem, args.title, args.lang,
                                  tuple(args.moderator), str(path), fmt)
        except (ImportProblem, OSError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(f"imported {path} -> {out} ({len(cues)} cues)")
    return 0


MAX_HISTORY_BYTES = 4 * 1024 * 1024   # a history file larger than this is refused, not read


def _history_json(path: str) -> list:
    """The turns of a --history-json file (ValueError or OSError naming the problem)."""
    from pathlib import Path
    from rag.conversation import from_json
    if path == "-":
        text = sys.stdin.read(MAX_HISTORY_BYTES + 1)
    else:
        if Path(path).stat().st_size > MAX_HISTORY_BYTES:
            raise ValueError(f"--history-json {path}: larger than {MAX_HISTORY_BYTES} bytes")
        text = Path(path).read_text(encoding="utf-8")
    if len(text) > MAX_HISTORY_BYTES:
        raise ValueError(f"--history-json {path}: larger than {MAX_HISTORY_BYTES} bytes")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"--history-json {path}: not JSON ({err})") from None
    try:
        return from_json(value)
    except ValueError as err:
        raise ValueError(f"--history-json {path}: {err}") from None


def _build(pipeline, force: bool) -> int:
    import time
    from index.chunk import ChunkSettings
    from index.corpus import Corpus
    from index.embedding_cache import EmbeddingCache
    from index.store import build_index
    cfg = pipeline.config
    t0 = time.perf_counter()
    if force:
        build_index(Corpus.load(cfg.corpus_dir), pipeline.embedder,
                    ChunkSettings(cfg.chunk_size, cfg.chunk_overlap), cfg.index_dir,
                    store=cfg.store_location, cache=EmbeddingCache(cfg.embedding_cache))
    pipeline.warm_up()
    m = pipeline.index.manifest
    where = cfg.store_location if cfg.store_location.in_qdrant else cfg.index_dir
    print(f"index ready in {where}: {m['chunk_count']} chunks, model {m['model']}, "
          f"dimension {m['dimension']} ({time.perf_counter() - t0:.1f} s)")
    return 0


def _readable(answer) -> str:
    lines = [answer.answer, ""]
    if answer.rewritten and answer.rewritten != answer.question:
        lines.insert(0, f"(understood as: {answer.rewritten})")
    for note in answer.notices:
        lines.append(f"note: {note}")
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.chunk.speaker} · {c.chunk.section} · {c.chunk.kind} · "
                     f"{c.chunk.doc_id}:{c.start}-{c.end}")
        lines.append(f"    {c.chunk.text}")
    return "\n".join(lines).rstrip()


if __name__ == "__main__":
    sys.exit(main())
