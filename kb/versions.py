"""Works and their versions: documents linked as near-duplicates at import (ingest.twins) form one work,
the connected groups of the links; search shows one hit per work and names the other versions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def works(links: Iterable[tuple[str, str, float]]) -> dict[str, frozenset[str]]:
    """Each linked document's work (the documents connected to it by links, itself included); documents
    without links are absent. Union-find with path halving: a work may be linked as a chain
    (a retyped copy of a reformatted copy), each link only to the nearest stored twin."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, set[str]] = {}
    for doc in parent:
        members.setdefault(root(doc), set()).add(doc)
    return {doc: frozenset(group) for group in members.values() for doc in group}


def one_per_work(ranked: Sequence[tuple[int, float]], doc_of: Mapping[int, str],
                 work_of: Mapping[str, frozenset[str]]) -> list[tuple[int, float]]:
    """The ranking without the passages of a work's other versions: the first document of a work to be
    ranked stands for it (its passages all stay), the others' passages are dropped."""
    chosen: dict[frozenset[str], str] = {}
    out = []
    for chunk_id, score in ranked:
        doc = doc_of.get(chunk_id)
        work = work_of.get(doc) if doc is not None else None
        if doc is not None and work is not None and chosen.setdefault(work, doc) != doc:
            continue
        out.append((chunk_id, score))
    return out
