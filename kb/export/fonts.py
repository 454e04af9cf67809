"""Find and register CJK fonts for PDF output: the 公文 fonts where installed, else embeddable free ones.

GB/T 9704 sets the title in 方正小标宋, headings in 黑体 and the body in 仿宋_GB2312. Each role looks
for those first, then for a free TrueType font of the same style (AR PL UMing, a Song/Ming serif, for
the title and body; WenQuanYi Zen Hei, a Hei sans, for headings), then for any CJK TrueType font,
and last for reportlab's built-in STSong-Light (a serif the reader supplies, not embedded).
"""

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
    ("uming.ttc", 0),  # index 0: AR PL UMing CN (simplified forms)
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


def find_font_files(dirs: tuple[Path, ...] = FONT_DIRS,
                    candidates: tuple[tuple[str, int], ...] = CANDIDATES) -> list[tuple[Path, int]]:
    """Installed candidate font files under dirs, in preference order."""
    wanted = {name.lower(): (rank, index) for rank, (name, index) in enumerate(candidates)}
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


TITLE, HEADING, BODY = "title", "heading", "body"
# The 公文 fonts' usual file names (Windows, 方正's own installers), then free fonts of the same style.
ROLE_CANDIDATES: dict[str, tuple[tuple[str, int], ...]] = {
    TITLE: (("FZXBSJW.TTF", 0), ("方正小标宋简体.ttf", 0), ("方正小标宋_GBK.ttf", 0), ("FZXBSK.TTF", 0),
            ("uming.ttc", 0), ("simsun.ttc", 0)),
    HEADING: (("simhei.ttf", 0), ("黑体.ttf", 0), ("wqy-zenhei.ttc", 0), ("wqy-microhei.ttc", 0)),
    BODY: (("仿宋_GB2312.ttf", 0), ("FangSong_GB2312.ttf", 0), ("simfang.ttf", 0), ("STFANGSO.TTF", 0),
           ("uming.ttc", 0), ("simsun.ttc", 0)),
}


@dataclass(frozen=True)
class FontSet:
    """The fonts of a printed handout, by role."""

    title: CJKFont
    heading: CJKFont
    body: CJKFont

    @classmethod
    def uniform(cls, font: CJKFont) -> FontSet:
        return cls(font, font, font)

    def all(self) -> tuple[CJKFont, ...]:
        return (self.title, self.heading, self.body)


def _first_usable(candidates: tuple[tuple[str, int], ...], dirs: tuple[Path, ...]) -> CJKFont | None:
    for path, index in find_font_files(dirs, candidates):
        font = _register_truetype(path, index)
        if font is not None:
            return font
    return None


@functools.lru_cache(maxsize=8)
def cjk_fonts(dirs: tuple[Path, ...] = FONT_DIRS) -> FontSet:
    """The best installed font for each role (title, heading, body); cached, as the lookup walks the disk."""
    any_font = cjk_font(dirs)

    def pick(role: str) -> CJKFont:
        found = _first_usable(ROLE_CANDIDATES[role], dirs)
        if found is not None:
            return found
        return any_font if any_font.embedded or role == HEADING else fallback_font()  # STSong is a serif

    return FontSet(title=pick(TITLE), heading=pick(HEADING), body=pick(BODY))


@functools.lru_cache(maxsize=8)
def cjk_font(dirs: tuple[Path, ...] = FONT_DIRS) -> CJKFont:
    """Register the best CJK font available and return it; cached, since the lookup walks the disk."""
    for path, index in find_font_files(dirs):
        font = _register_truetype(path, index)
        if font is not None:
            return font
    return fallback_font()
