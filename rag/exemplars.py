"""Classify a question by its nearest exemplar sentences (embedded once with the model): what a
list of cue words cannot tell apart ("会议在哪里举行？" asks for a place, "难点在哪？" does not)
and what no cue list holds ("什么型号", "what score") the exemplars in a data file can."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

DETAIL_EXEMPLARS = Path(__file__).resolve().parent / "data" / "detail_exemplars.json"
SUMMARY_EXEMPLARS = Path(__file__).resolve().parent / "data" / "summary_exemplars.json"
PLAN_EXEMPLARS = Path(__file__).resolve().parent / "data" / "plan_exemplars.json"
NONE = "none"   # the label of exemplars that ask for no specific detail
NEAREST = 3     # a label's likeness to a question: the mean of its closest this many exemplars


class Exemplars:
    def __init__(self, labels: list[str], vectors: np.ndarray, nearest: int = NEAREST):
        if len(labels) != len(vectors):
            raise ValueError(f"{len(labels)} labels for {len(vectors)} exemplar vectors")
        if nearest < 1:
            raise ValueError(f"nearest must be at least 1, got {nearest}")
        self.labels = labels
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.k = nearest

    @classmethod
    def embed(cls, embedder, path: Path = DETAIL_EXEMPLARS) -> "Exemplars":
        """The exemplars of a file ({label: [sentence, ...]}, keys starting with "_" skipped),
        embedded as queries."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        pairs = [(label, s) for label, sentences in data.items() if not label.startswith("_") for s in sentences]
        if not pairs:
            raise ValueError(f"no exemplar sentences in {path}")
        return cls([label for label, _ in pairs], embedder.embed_queries([s for _, s in pairs]))

    def likeness(self, vector: np.ndarray, among: tuple[str, ...]) -> dict[str, float]:
        """Each label of `among`: the mean cosine of its `k` exemplars closest to `vector` (one
        odd exemplar does not decide)."""
        missing = [label for label in among if label not in self.labels]
        if missing or not among:
            raise ValueError(f"no exemplar labelled {missing or among}; labels: {sorted(set(self.labels))}")
        sims = self.vectors @ np.asarray(vector, dtype=np.float32).reshape(-1)
        labels = np.array(self.labels)
        return {label: float(np.sort(sims[labels == label])[::-1][: self.k].mean()) for label in among}

    def nearest(self, vector: np.ndarray, among: tuple[str, ...]) -> str:
        """The label, of those in `among`, whose exemplars are closest to `vector`."""
        like = self.likeness(vector, among)
        return max(among, key=like.__getitem__)

    def confirms(self, vector: np.ndarray | None, kind: str) -> bool:
        """Whether a question whose cue words ask for `kind` does: its exemplars of `kind` are
        closer than those of NONE (no vector, no exemplar of the kind: the cue words stand)."""
        if vector is None or kind not in self.labels:
            return True
        return self.nearest(vector, (kind, NONE)) == kind

    def kind(self, vector: np.ndarray, margin: float) -> str:
        """The detail a question asks for in words no cue holds: the closest label other than
        NONE if it is at least `margin` closer than NONE, else NONE."""
        kinds = tuple(dict.fromkeys(label for label in self.labels if label != NONE))
        like = self.likeness(vector, kinds + (NONE,))
        best = max(kinds, key=like.__getitem__)
        return best if like[best] - like[NONE] >= margin else NONE
