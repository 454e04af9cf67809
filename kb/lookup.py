"""Finding the one document a person means by an id prefix, a title or a file name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.errors import InvalidInput, NotFound
from kb.records import DocumentRecord

if TYPE_CHECKING:
    from kb.store import Store


def resolve_document(store: Store, ref: str) -> DocumentRecord:
    """A document by id (or id prefix), title or file name; none or several is a clear error."""
    found = store.documents.find(ref.strip())
    if not found:
        raise NotFound(f"找不到文档 {ref}：用 kb list 查看文档编号")
    if len(found) > 1:
        names = "；".join(f"{d.id} {d.title}" for d in found[:5])
        raise InvalidInput(f"{ref} 对应多篇文档（{names}），请给出更长的文档编号")
    return found[0]
