"""Bad input never crashes a batch: each bad file is skipped with a specific reason, the rest are read."""

from __future__ import annotations

import pytest
from ingest_fixtures import make_docx, make_pdf, make_scanned_pdf, write_text

import ingest.readers.pdf as pdf_reader
from ingest.errors import UnreadableFile
from ingest.pipeline import ReadOptions, read_all, read_document
from ingest.types import Document, Skipped


def _problem(path, **kwargs) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as caught:
        read_document(path, **kwargs)
    skipped = caught.value.skipped
    assert skipped.path == str(path.absolute()) and skipped.fix  # every reason says what to do
    assert str(path.absolute()) in skipped.reason
    return caught.value


def test_encrypted_pdf(tmp_path):
    error = _problem(make_pdf(tmp_path / "secret.pdf", [["机密内容"]], encrypt="pw"))
    assert "加密" in error.problem and "密码" in error.fix


def test_pdf_with_only_an_owner_password_is_read(tmp_path):
    doc = read_document(make_pdf(tmp_path / "open.pdf", [["公开内容"]], owner_password="owner"))
    assert doc.text == "公开内容"


def test_truncated_pdf(tmp_path):
    whole = make_pdf(tmp_path / "whole.pdf", [["完整内容"]]).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    assert "不完整" in _problem(path).problem


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    assert "损坏" in _problem(path).problem


def test_not_a_pdf_at_all(tmp_path):
    path = write_text(tmp_path / "fake.pdf", "这其实是文本", "utf-8")
    assert "不是有效的PDF" in _problem(path).problem


def test_corrupt_docx(tmp_path):
    good = make_docx(tmp_path / "good.docx", [("p", "内容")]).read_bytes()
    path = tmp_path / "broken.docx"
    path.write_bytes(good[: len(good) // 2])
    assert "DOCX" in _problem(path).problem


def test_old_word_file_renamed_to_docx(tmp_path):
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    error = _problem(path)
    assert ".doc" in error.problem and "DOCX" in error.fix


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert "空" in _problem(path).problem


def test_whitespace_only_file(tmp_path):
    path = write_text(tmp_path / "blank.txt", " \n\u3000\n", "utf-8")
    assert "没有可提取的文字" in _problem(path).problem


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "binary.txt"
    path.write_bytes(bytes(range(256)) * 20)
    error = _problem(path)
    assert "编码" in error.problem and "UTF-8" in error.fix


def test_unsupported_suffix(tmp_path):
    path = write_text(tmp_path / "table.xlsx", "x", "utf-8")
    error = _problem(path)
    assert ".xlsx" in error.problem and ".docx" in error.fix
    assert "Word" in _problem(write_text(tmp_path / "old.doc", "x", "utf-8")).fix


def test_file_over_the_size_limit(tmp_path):
    path = write_text(tmp_path / "big.txt", "学习" * 1000, "utf-8")
    error = _problem(path, options=ReadOptions(max_bytes=1000))
    assert "过大" in error.problem and "拆分" in error.fix


def test_missing_file(tmp_path):
    assert "不存在" in _problem(tmp_path / "gone.txt").problem


def test_a_folder_given_as_a_file(tmp_path):
    (tmp_path / "资料.txt").mkdir()
    assert "文件夹" in _problem(tmp_path / "资料.txt").problem


def test_pdf_without_any_text(tmp_path):
    assert "没有可提取的文字" in _problem(make_pdf(tmp_path / "blank.pdf", [[]])).problem


def test_scanned_pdf_without_ocr_says_how_to_enable_it(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_reader, "ocr_available", lambda: False)
    error = _problem(make_scanned_pdf(tmp_path / "scan.pdf", ["扫描件"]))
    assert "扫描件" in error.problem and "OCR" in error.problem
    assert 'pip install -e ".[ocr]"' in error.fix


def test_scanned_pdf_with_ocr_turned_off(tmp_path):
    error = _problem(make_scanned_pdf(tmp_path / "scan.pdf", ["扫描件"]), options=ReadOptions(ocr=False))
    assert "关闭OCR" in error.problem


def test_partly_scanned_pdf_without_ocr_is_read_with_a_warning(tmp_path, monkeypatch):
    from pypdf import PdfWriter

    monkeypatch.setattr(pdf_reader, "ocr_available", lambda: False)
    writer = PdfWriter()
    writer.append(make_pdf(tmp_path / "text.pdf", [["有文字的一页。"]]))
    writer.append(make_scanned_pdf(tmp_path / "scan.pdf", ["扫描页"]))
    path = tmp_path / "mixed.pdf"
    writer.write(path)
    doc = read_document(path)
    assert doc.text == "有文字的一页。"
    assert [p.number for p in doc.pages] == [1, 2]
    assert any("第2页无文字层" in w and "[ocr]" in w for w in doc.warnings)


def test_a_batch_skips_every_bad_file_and_reads_the_rest(tmp_path):
    make_pdf(tmp_path / "a_secret.pdf", [["机密"]], encrypt="pw")
    (tmp_path / "b_empty.txt").write_bytes(b"")
    (tmp_path / "c_binary.txt").write_bytes(bytes(range(256)) * 20)
    write_text(tmp_path / "d_sheet.xlsx", "x", "utf-8")
    (tmp_path / "e_broken.docx").write_bytes(b"PK\x03\x04broken")
    write_text(tmp_path / "f_good.txt", "正常的学习材料。", "gbk")
    make_docx(tmp_path / "g_good.docx", [("p", "另一份正常材料。")])
    results = list(read_all([tmp_path], options=ReadOptions(ocr=False)))
    skipped = [r for r in results if isinstance(r, Skipped)]
    docs = [r for r in results if isinstance(r, Document)]
    assert [d.text for d in docs] == ["正常的学习材料。", "另一份正常材料。"]
    assert [s.path.rsplit("/", 1)[-1] for s in skipped] == [
        "a_secret.pdf", "b_empty.txt", "c_binary.txt", "d_sheet.xlsx", "e_broken.docx"
    ]
    assert all(s.problem and s.fix for s in skipped)


def test_an_unexpected_parser_failure_is_reported_not_raised(tmp_path, monkeypatch):
    import ingest.pipeline as pipeline

    def explode(path, data, options):
        raise RuntimeError("boom")

    monkeypatch.setitem(pipeline.READERS, ".txt", explode)
    results = list(read_all([write_text(tmp_path / "x.txt", "内容", "utf-8")]))
    assert isinstance(results[0], Skipped) and "无法解析" in results[0].problem
