"""What each retriever sees of a chunk: the text embedded and the text keyword-indexed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ingest.normalize import for_search


def embedding_input(title: str, section: Sequence[str], text: str) -> str:
    """The string the encoder embeds: the chunk with its title and heading path as context.

    A passage often never names its topic; the title and section path carry it.
    """
    context = " ".join(part for part in (title, *section) if part)
    return f"{context}\n{text}" if context else text


def keyword_input(title: str, section: Sequence[str], text: str) -> str:
    """The normalised string BM25 indexes (simplified, half-width, lower-case)."""
    return for_search(embedding_input(title, section, text))


def embed_key(text: str) -> str:
    """Cache key of an embedding input: identical inputs are encoded once per model."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def query_key(text: str) -> str:
    """Cache key of a search query's vector: apart from passages', since a model may encode a query
    differently from the same words as a passage (e5's prompts)."""
    return embed_key("\x00query\x00" + text)
