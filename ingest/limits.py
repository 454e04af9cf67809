"""Limits on hostile input: zip containers checked before parsing, and a per-file budget of work.

The per-file time budget is cooperative: readers call `Budget.check_time()` between pages and
`Budget.paragraph()` per paragraph, so a file over its budget stops at the next page or paragraph
boundary. No thread is killed; the steps that cannot be interrupted (parsing one XML part,
extracting one PDF page) are bounded instead by the zip limits (the XML is never larger than
max_zip_entry_bytes) and the page cap. An import reads its files in a child process (kb.reading), so
a reader that crashes the interpreter costs that file, not the import; the child is not given a
deadline of its own (the cooperative budget above still applies there).
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

from ingest.errors import UnreadableFile
from ingest.options import ReadOptions

ZIP_MAGIC = b"PK\x03\x04"
_MB = 1024 * 1024
_FIX_ZIP = "请确认文件来源可靠；如确是正常文档，请用原软件打开后另存为新文件再导入，或请管理员调高相应上限"
_FIX_WORK = "请把文件拆分成较小的几个文件后再导入，或请管理员调高相应上限"

clock = time.monotonic  # module attribute, so tests can drive the budget with a fake clock


def check_zip(path: Path, data: bytes, options: ReadOptions) -> None:
    """Refuse a zip container (DOCX, OFD, any later zip format) whose central directory announces
    too many entries, too much unpacked data or a bomb-like compression ratio, before any entry is
    unpacked. The announced sizes can be trusted as upper bounds: zipfile stops inflating an entry
    at its announced size (and fails its CRC check if the data goes on). Data that is not a valid
    zip is left to the format's reader, which says what is wrong in that format's terms."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return
    if len(entries) > options.max_zip_entries:
        raise UnreadableFile(
            path, f"压缩包内文件过多（{len(entries)}个，上限{options.max_zip_entries}个），疑似恶意构造的文件", _FIX_ZIP
        )
    total = 0
    for entry in entries:
        size = entry.file_size
        total += size
        if size > options.max_zip_entry_bytes:
            raise UnreadableFile(
                path,
                f"压缩包内的“{entry.filename}”解压后过大（{size / _MB:.0f} MB，上限"
                f"{options.max_zip_entry_bytes / _MB:.0f} MB），疑似“压缩炸弹”",
                _FIX_ZIP,
            )
        ratio = size / max(entry.compress_size, 1)
        if size >= options.ratio_floor_bytes and ratio > options.max_compression_ratio:
            raise UnreadableFile(
                path,
                f"压缩包内的“{entry.filename}”压缩比异常（{entry.compress_size / 1024:.0f} KB 解压为"
                f" {size / _MB:.0f} MB，约{ratio:.0f}倍，上限{options.max_compression_ratio:g}倍），疑似“压缩炸弹”",
                _FIX_ZIP,
            )
    if total > options.max_unpacked_bytes:
        raise UnreadableFile(
            path,
            f"压缩包解压后总大小过大（{total / _MB:.0f} MB，上限{options.max_unpacked_bytes / _MB:.0f} MB），"
            "疑似“压缩炸弹”",
            _FIX_ZIP,
        )


class Budget:
    """One file's allowance of time, paragraphs and pages, spent as its reader goes."""

    TIME_CHECK_EVERY = 64  # paragraphs between clock reads (a clock read per paragraph is measurable)

    def __init__(self, path: Path, options: ReadOptions):
        self.path = path
        self.options = options
        self.paragraphs = 0
        self._deadline = clock() + options.max_seconds

    def paragraph(self) -> None:
        """Count one paragraph (or table row); refuse the file past the cap, and check the clock now and then."""
        self.paragraphs += 1
        if self.paragraphs > self.options.max_paragraphs:
            raise UnreadableFile(
                self.path, f"段落过多（超过{self.options.max_paragraphs}段），疑似异常或恶意构造的文件", _FIX_WORK
            )
        if self.paragraphs % self.TIME_CHECK_EVERY == 0:
            self.check_time()

    def pages(self, count: int) -> None:
        """Refuse a paged file with more pages than the cap, before any page is read."""
        if count > self.options.max_pages:
            raise UnreadableFile(self.path, f"页数过多（{count}页，上限{self.options.max_pages}页）", _FIX_WORK)

    def check_time(self, page: int | None = None) -> None:
        """Refuse the file once its reading has taken longer than max_seconds (`page`: where it got to)."""
        if clock() > self._deadline:
            where = f"，读到第{page}页时" if page is not None else ""
            raise UnreadableFile(
                self.path,
                f"读取超时（超过{self.options.max_seconds:g}秒{where}），文件可能过大或结构异常",
                _FIX_WORK,
            )
