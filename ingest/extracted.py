"""What a reader returns: display text with the structure its format marks explicitly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ingest.limits import Budget
from ingest.normalize import clean_line
from ingest.types import Heading, Page


@dataclass(frozen=True)
class Extracted:
    """A file's normalised text, before metadata, minutes and pattern headings are derived from it."""

    text: str
    pages: tuple[Page, ...] = ()
    headings: tuple[Heading, ...] = ()  # headings the format marks (styles, <h1>, Markdown #)
    title: str | None = None  # from the format's metadata or layout
    metadata: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


class TextBuilder:
    """Appends cleaned lines into one text, recording page spans and heading offsets as it goes; with a
    budget, every line added (blank or not) counts as a paragraph against the file's limits."""

    def __init__(self, budget: Budget | None = None) -> None:
        self._budget = budget
        self._lines: list[str] = []
        self._length = 0
        self.headings: list[Heading] = []
        self.pages: list[Page] = []
        self._page: tuple[int, int] | None = None  # (number, start) of the open page

    @property
    def text(self) -> str:
        return "\n".join(self._lines)

    def add(self, line: str, *, heading_level: int | None = None) -> None:
        """Add one paragraph (cleaned here; dropped if blank), optionally as a heading."""
        if self._budget is not None:
            self._budget.paragraph()
        line = clean_line(line.replace("\n", " "))
        if not line:
            return
        start = self._length + (1 if self._lines else 0)
        if heading_level is not None:
            self.headings.append(Heading(start, heading_level, line))
        self._lines.append(line)
        self._length = start + len(line)

    def start_page(self, number: int) -> None:
        self.end_page()
        self._page = (number, self._length + (1 if self._lines else 0))

    def end_page(self) -> None:
        if self._page is not None:
            number, start = self._page
            self.pages.append(Page(number, min(start, self._length), self._length))
            self._page = None
