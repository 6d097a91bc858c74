"""index/location.py: RAG_STORE values, good and bad."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.location import FAISS, QDRANT_LOCAL, QDRANT_SERVER, StoreLocation, parse_store

HOME = Path("/srv/rag")


@pytest.mark.parametrize("value, kind, target", [
    ("", FAISS, ""),
    ("faiss", FAISS, ""),
    (" faiss ", FAISS, ""),
    ("qdrant:/data/qdrant", QDRANT_LOCAL, "/data/qdrant"),
    ("qdrant:qdrant", QDRANT_LOCAL, "/srv/rag/qdrant"),          # relative: under the home
    ("qdrant:stores/one", QDRANT_LOCAL, "/srv/rag/stores/one"),
    ("http://127.0.0.1:6333", QDRANT_SERVER, "http://127.0.0.1:6333"),
    ("https://qdrant.internal:6333/", QDRANT_SERVER, "https://qdrant.internal:6333"),
    ("http://qdrant", QDRANT_SERVER, "http://qdrant"),
])
def test_accepted_forms(value, kind, target):
    location = parse_store(value, HOME)
    assert (location.kind, location.target) == (kind, target)
    assert location.in_qdrant == (kind != FAISS)


@pytest.mark.parametrize("value", [
    "qdrant:", "qdrant: ", "qdrant://host:6333", "ftp://host", "s3://bucket/index", "http://",
    "http://:6333", "http://host:99999", "http://host:port", "http://host:0", "http://host:6333?key=1",
    "https://user:secret@host", "faiss2", "FAISS:/x", "/data/qdrant", "qdrant",
])
def test_bad_values_are_named_with_the_accepted_forms(value):
    with pytest.raises(ValueError) as err:
        parse_store(value, HOME)
    message = str(err.value)
    assert message == f"store must be 'faiss' (the default), 'qdrant:PATH' (Qdrant local mode in that folder) " \
                      f"or 'http(s)://HOST[:PORT]' (a Qdrant server), got {value!r}"
    assert "\n" not in message


def test_the_api_key_is_never_shown():
    location = parse_store("https://qdrant.internal:6333", HOME, api_key="s3cret-key")
    assert location.api_key == "s3cret-key"
    assert "s3cret" not in repr(location) and "s3cret" not in str(location)
    assert str(location) == "the Qdrant server at https://qdrant.internal:6333"
    assert location == StoreLocation(QDRANT_SERVER, "https://qdrant.internal:6333")  # the key is not identity
