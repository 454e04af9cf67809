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

READERS: dict[str, Reader] = {
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".txt": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
}

# Document.format for each suffix.
FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}
