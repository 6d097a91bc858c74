"""Building and storing the index: parse -> speaker-pure chunks -> embed -> FAISS + BM25."""
