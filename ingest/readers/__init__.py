"""Reader registry: file suffix -> function(path, data, options) -> Extracted. A new format is one
module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.extracted import Extracted
from ingest.options import ReadOptions
from ingest.readers.docx import read_docx
from ingest.readers.html import read_html
from ingest.readers.pdf import read_pdf
from ingest.readers.text import read_markdown, read_text

Reader = Callable[[Path, bytes, ReadOptions], Extracted]

# suffix -> (Document.format, reader)
_REGISTRY: dict[str, tuple[str, Reader]] = {
    ".pdf": ("pdf", read_pdf),
    ".docx": ("docx", read_docx),
    ".txt": ("txt", read_text),
    ".md": ("md", read_markdown),
    ".markdown": ("md", read_markdown),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
}
READERS: dict[str, Reader] = {suffix: reader for suffix, (_, reader) in _REGISTRY.items()}
FORMATS: dict[str, str] = {suffix: fmt for suffix, (fmt, _) in _REGISTRY.items()}
