"""Where the index lives (RAG_STORE): the FAISS folder under the home (the default), Qdrant's
local mode in a folder, or a Qdrant server or cluster by URL. Parsing only: nothing here
imports the Qdrant client, so a bad value is refused before anything heavy loads."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

FAISS, QDRANT_LOCAL, QDRANT_SERVER = "faiss", "qdrant-local", "qdrant-server"
FORMS = "'faiss' (the default), 'qdrant:PATH' (Qdrant local mode in that folder) or 'http(s)://HOST[:PORT]' (a Qdrant server)"


@dataclass(frozen=True)
class StoreLocation:
    kind: str                                   # FAISS, QDRANT_LOCAL or QDRANT_SERVER
    target: str = ""                            # the local folder or the server URL ("" for FAISS)
    api_key: str = field(default="", repr=False, compare=False)  # a server's, if it asks for one

    @property
    def in_qdrant(self) -> bool:
        return self.kind in (QDRANT_LOCAL, QDRANT_SERVER)

    def __str__(self) -> str:
        return {FAISS: "the FAISS folder", QDRANT_LOCAL: f"Qdrant local mode at {self.target}",
                QDRANT_SERVER: f"the Qdrant server at {self.target}"}[self.kind]


def parse_store(value: str, home: Path, api_key: str = "") -> StoreLocation:
    """`value` as a StoreLocation; a relative `qdrant:PATH` is taken under `home`.
    ValueError naming the value and the accepted forms otherwise."""
    text = (value or "").strip()
    if text in ("", FAISS):
        return StoreLocation(FAISS)
    if text.startswith("qdrant:"):
        folder = text[len("qdrant:"):].strip()
        if folder and not folder.startswith("//"):  # qdrant://host is a URL, not a folder
            path = Path(folder).expanduser()
            return StoreLocation(QDRANT_LOCAL, str(path if path.is_absolute() else Path(home) / path))
    elif text.lower().startswith(("http://", "https://")):
        try:
            url = urlsplit(text)
            port = url.port  # ValueError if it is not a number in 0..65535
        except ValueError:
            url, port = None, None
        if url and url.hostname and port != 0 and not (url.query or url.fragment or url.username):
            return StoreLocation(QDRANT_SERVER, text.rstrip("/"), api_key)
    raise ValueError(f"store must be {FORMS}, got {value!r}")
