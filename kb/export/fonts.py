"""Find and register a CJK font for PDF output: an embedded TrueType font when one is installed."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# Built into reportlab and every PDF reader's Adobe-GB1 support: the text layer is right, but the
# glyphs come from the reader, which may lack them, so it is the last resort.
FALLBACK_FONT = "STSong-Light"

# TrueType-outline fonts only: reportlab cannot embed CFF (PostScript) outlines, which rules out the
# Noto/Source Han CJK .otf/.ttc files. Preference order; (file name, index inside a .ttc).
CANDIDATES: tuple[tuple[str, int], ...] = (
    ("wqy-zenhei.ttc", 0),
    ("wqy-microhei.ttc", 0),
    ("DroidSansFallbackFull.ttf", 0),
    ("DroidSansFallback.ttf", 0),
    ("uming.ttc", 0),
    ("ukai.ttc", 0),
    ("simsun.ttc", 0),  # Windows
    ("simhei.ttf", 0),
    ("msyh.ttc", 0),
    ("Arial Unicode.ttf", 0),  # macOS
)


def _default_dirs() -> tuple[Path, ...]:
    home = Path.home()
    dirs = [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".local/share/fonts",
        home / ".fonts",
    ]
    if sys.platform == "darwin":
        dirs += [Path("/Library/Fonts"), Path("/System/Library/Fonts"), home / "Library/Fonts"]
    if sys.platform == "win32":
        dirs.append(Path("C:/Windows/Fonts"))
    return tuple(dirs)


FONT_DIRS = _default_dirs()


@dataclass(frozen=True)
class CJKFont:
    """A font registered with reportlab under `name`; `embedded` says whether the PDF carries it."""

    name: str
    embedded: bool
    path: Path | None = None


def find_font_files(dirs: tuple[Path, ...] = FONT_DIRS) -> list[tuple[Path, int]]:
    """Installed candidate font files under dirs, in preference order."""
    wanted = {name.lower(): (rank, index) for rank, (name, index) in enumerate(CANDIDATES)}
    found: list[tuple[int, Path, int]] = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            hit = wanted.get(path.name.lower())
            if hit is not None and path.is_file():
                found.append((hit[0], path, hit[1]))
    found.sort(key=lambda entry: (entry[0], str(entry[1])))
    return [(path, index) for _, path, index in found]


def fallback_font() -> CJKFont:
    """reportlab's built-in CID font: always available, never embedded."""
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return CJKFont(FALLBACK_FONT, embedded=False)


def _register_truetype(path: Path, index: int) -> CJKFont | None:
    name = f"KB-{path.stem}-{index}"
    if name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
        except (TTFError, OSError):  # CFF outlines, a damaged file, no permission: try the next
            return None
    return CJKFont(name, embedded=True, path=path)


@functools.lru_cache(maxsize=8)
def cjk_font(dirs: tuple[Path, ...] = FONT_DIRS) -> CJKFont:
    """Register the best CJK font available and return it; cached, since the lookup walks the disk."""
    for path, index in find_font_files(dirs):
        font = _register_truetype(path, index)
        if font is not None:
            return font
    return fallback_font()
