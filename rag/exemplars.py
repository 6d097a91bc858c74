"""Classify a question by its nearest exemplar sentence (embedded once with the model):
what a list of cue words cannot tell apart ("会议在哪里举行？" asks for a place, "难点在哪？"
does not) the exemplars in a data file can."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

DETAIL_EXEMPLARS = Path(__file__).resolve().parent / "data" / "detail_exemplars.json"
NONE = "none"   # the label of exemplars that ask for no specific detail


class Exemplars:
    def __init__(self, labels: list[str], vectors: np.ndarray):
        if len(labels) != len(vectors):
            raise ValueError(f"{len(labels)} labels for {len(vectors)} exemplar vectors")
        self.labels = labels
        self.vectors = np.asarray(vectors, dtype=np.float32)

    @classmethod
    def embed(cls, embedder, path: Path = DETAIL_EXEMPLARS) -> "Exemplars":
        """The exemplars of a file ({label: [sentence, ...]}, keys starting with "_" skipped),
        embedded as queries."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        pairs = [(label, s) for label, sentences in data.items() if not label.startswith("_") for s in sentences]
        if not pairs:
            raise ValueError(f"no exemplar sentences in {path}")
        return cls([label for label, _ in pairs], embedder.embed_queries([s for _, s in pairs]))

    def nearest(self, vector: np.ndarray, among: tuple[str, ...]) -> str:
        """The label, of those in `among`, of the exemplar closest to `vector`."""
        keep = [i for i, label in enumerate(self.labels) if label in among]
        if not keep:
            raise ValueError(f"no exemplar labelled {among}; labels: {sorted(set(self.labels))}")
        sims = self.vectors[keep] @ np.asarray(vector, dtype=np.float32).reshape(-1)
        return self.labels[keep[int(np.argmax(sims))]]

    def confirms(self, vector: np.ndarray | None, kind: str) -> bool:
        """Whether a question whose cue words ask for `kind` does: its nearest exemplar of
        `kind` or NONE is of `kind` (no vector, no exemplar of the kind: the cue words stand)."""
        if vector is None or kind not in self.labels:
            return True
        return self.nearest(vector, (kind, NONE)) == kind
