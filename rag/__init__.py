"""Answering: query analysis -> hybrid retrieval -> composition with citations.

The way a question flows: `rag.pipeline.Pipeline.answer(question, history)`
  -> `rag.query.analyze` (language, named speakers, who-questions, follow-ups)
  -> `rag.retrieve.HybridRetriever.retrieve` (FAISS + BM25, reciprocal rank fusion)
  -> `rag.compose.ExtractiveComposer.compose` (or `rag.llm.LLMComposer`) -> `rag.records.Answer`.
"""
