"""index: embedding, dense and keyword indexes, fusion and relevance metrics (knows nothing of kb or ingest)."""
