"""ingest: read files into normalised documents and chunk them (knows nothing of kb or index)."""
