"""Hostile files: zip bombs, too many entries, 100k paragraphs, too many pages, too slow. Each is skipped
with its own reason, within the caps, while the other files of the same import still go in."""

from __future__ import annotations

import copy
import itertools
import zipfile
import zlib

import pytest
from ingest_fixtures import make_docx, make_pdf, write_text

import ingest.limits as limits
import ingest.readers.docx as docx_reader
from ingest.errors import UnreadableFile
from ingest.limits import Budget, check_zip
from ingest.pipeline import ReadOptions, read_all, read_document
from ingest.types import Document, Skipped

_MB = 1024 * 1024


def _import(paths, options=ReadOptions()):
    """read_all over the files: (titles of the documents read, {file name: problem} of those skipped)."""
    results = list(read_all(paths, options=options))
    read = [r.title for r in results if isinstance(r, Document)]
    skipped = {r.path.rsplit("/", 1)[-1]: r.problem for r in results if isinstance(r, Skipped)}
    return read, skipped


def _with_extra_entries(source, target, entries):
    """A copy of the zip `source` with extra (name, bytes) entries, deflated at the highest level."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for item in old.infolist():
            new.writestr(item, old.read(item.filename))
        for name, data in entries:
            new.writestr(name, data)
    return target


@pytest.fixture
def good_files(tmp_path):
    """Two ordinary files that every import below must still read."""
    return [
        make_docx(tmp_path / "正常.docx", [("p", "一份正常的学习材料。")], title="正常文档"),
        write_text(tmp_path / "正常.txt", "另一份正常的学习材料。", "utf-8"),
    ]


def test_zip_bomb_docx_is_refused_before_it_is_unpacked(tmp_path, good_files, monkeypatch):
    # The shape from issue 14: a small DOCX whose document.xml unpacks to tens of megabytes.
    source = make_docx(tmp_path / "base.docx", [("p", "正文")])
    paragraph = b"<w:p><w:r><w:t>" + "重复内容".encode() * 8 + b"</w:t></w:r></w:p>"
    with zipfile.ZipFile(source) as old:
        document = old.read("word/document.xml")
    body_end = document.index(b"<w:sectPr")
    bomb_xml = document[:body_end] + paragraph * (60 * _MB // len(paragraph)) + document[body_end:]
    bomb = tmp_path / "炸弹.docx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for item in old.infolist():
            new.writestr(item, bomb_xml if item.filename == "word/document.xml" else old.read(item.filename))
    assert bomb.stat().st_size < 500 * 1024
    opened = []
    real_open = docx_reader.docx.Document
    monkeypatch.setattr(docx_reader.docx, "Document", lambda stream: opened.append(1) or real_open(stream))
    read, skipped = _import([bomb, *good_files])
    assert read == ["正常文档", "正常"] and len(opened) == 1  # only the good DOCX was ever opened
    assert "压缩比异常" in skipped["炸弹.docx"] and "word/document.xml" in skipped["炸弹.docx"]


def test_huge_entry_and_total_unpacked_size_are_refused(tmp_path, good_files):
    source = make_docx(tmp_path / "base.docx", [("p", "正文")])
    zeros = bytes(64 * _MB)
    big_entry = _with_extra_entries(source, tmp_path / "大图片.docx", [("word/media/image1.png", zeros)])
    options = ReadOptions(max_zip_entry_bytes=32 * _MB, max_compression_ratio=10_000)
    read, skipped = _import([big_entry, *good_files], options)
    assert read == ["正常文档", "正常"] and "解压后过大（64 MB，上限32 MB）" in skipped["大图片.docx"]
    several = _with_extra_entries(source, tmp_path / "多图片.docx",
                                  [(f"word/media/image{i}.png", bytes(6 * _MB)) for i in range(5)])
    read, skipped = _import([several, *good_files], ReadOptions(max_unpacked_bytes=16 * _MB))
    assert read == ["正常文档", "正常"] and "解压后总大小过大" in skipped["多图片.docx"]


def test_too_many_zip_entries_are_refused(tmp_path, good_files):
    source = make_docx(tmp_path / "base.docx", [("p", "正文")])
    extra = [(f"Doc_0/Res/{i}.xml", b"<a/>") for i in range(60)]
    crowded = _with_extra_entries(source, tmp_path / "文件过多.ofd", extra)
    read, skipped = _import([crowded, *good_files], ReadOptions(max_zip_entries=50))
    assert read == ["正常文档", "正常"]
    assert skipped["文件过多.ofd"].startswith("压缩包内文件过多（")


def test_default_limits_let_an_ordinary_docx_through(tmp_path):
    path = make_docx(tmp_path / "x.docx", [("p", "正文")] * 50)
    check_zip(path, path.read_bytes(), ReadOptions())


def _many_paragraphs(path, count):
    """A DOCX with `count` short paragraphs (built in the XML: python-docx's add_paragraph is quadratic)."""
    import docx

    document = docx.Document()
    first = document.add_paragraph("第0段")._p
    for i in range(1, count):
        clone = copy.deepcopy(first)
        clone.xpath(".//w:t")[0].text = f"第{i}段"
        document.element.body[-1].addprevious(clone)
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def hundred_thousand_paragraphs(tmp_path_factory):
    return _many_paragraphs(tmp_path_factory.mktemp("many") / "十万段.docx", 100_000)


def test_a_docx_with_100k_paragraphs_is_read_without_per_paragraph_style_lookups(hundred_thousand_paragraphs,
                                                                                  monkeypatch):
    # python-docx's Paragraph.style scans every style for the default one: 100k of them took 67 s.
    import docx.text.paragraph

    monkeypatch.setattr(docx.text.paragraph.Paragraph, "style", property(lambda self: pytest.fail("style lookup")))
    doc = read_document(hundred_thousand_paragraphs)
    lines = doc.text.split("\n")
    assert len(lines) == 100_000 and lines[0] == "第0段" and lines[-1] == "第99999段"


def test_the_paragraph_cap_refuses_the_same_file_with_its_reason(hundred_thousand_paragraphs, good_files):
    read, skipped = _import([hundred_thousand_paragraphs, *good_files], ReadOptions(max_paragraphs=50_000))
    assert read == ["正常文档", "正常"]
    assert skipped["十万段.docx"] == "段落过多（超过50000段），疑似异常或恶意构造的文件"


def test_a_pdf_over_the_page_cap_is_refused(tmp_path, good_files):
    pdf = make_pdf(tmp_path / "长.pdf", [[f"第{n}页的正文内容。"] for n in range(1, 31)])
    read, skipped = _import([pdf, *good_files], ReadOptions(max_pages=20))
    assert read == ["正常文档", "正常"]
    assert skipped["长.pdf"] == "页数过多（30页，上限20页）"


def test_a_file_over_the_time_budget_is_stopped_at_a_page_boundary(tmp_path, good_files, monkeypatch):
    # A fake clock that advances one second at every reading: the 30-page PDF reads it once per page,
    # the small files only a few times, so only the PDF runs out of its 10 seconds.
    ticks = itertools.count()
    monkeypatch.setattr(limits, "clock", lambda: float(next(ticks)))
    pdf = make_pdf(tmp_path / "慢.pdf", [[f"第{n}页的正文内容。"] for n in range(1, 31)])
    read, skipped = _import([pdf, *good_files], ReadOptions(max_seconds=10))
    assert read == ["正常文档", "正常"]
    assert skipped["慢.pdf"].startswith("读取超时（超过10秒，读到第")


def test_the_budget_checks_the_clock_between_paragraphs(tmp_path, monkeypatch):
    ticks = itertools.count()
    monkeypatch.setattr(limits, "clock", lambda: float(next(ticks)))
    budget = Budget(tmp_path / "x.txt", ReadOptions(max_seconds=3))
    with pytest.raises(UnreadableFile) as caught:
        for _ in range(10 * Budget.TIME_CHECK_EVERY):
            budget.paragraph()
    assert caught.value.problem.startswith("读取超时（超过3秒")
    assert budget.paragraphs == 4 * Budget.TIME_CHECK_EVERY  # clock read at 64, 128, 192, 256: 1, 2, 3, 4 s


def test_compression_ratio_is_only_judged_on_large_entries(tmp_path):
    """Small XML parts compress far better than 100x and are harmless."""
    data = zlib.compress(b"<w:p/>" * 100_000, 9)
    assert len(b"<w:p/>" * 100_000) / len(data) > 100
    source = make_docx(tmp_path / "base.docx", [("p", "正文")])
    path = _with_extra_entries(source, tmp_path / "small.docx", [("word/extra.xml", b"<w:p/>" * 100_000)])
    check_zip(path, path.read_bytes(), ReadOptions())
