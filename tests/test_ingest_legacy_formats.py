"""OFD, .doc and .wps files written by third-party software (easyofd, LibreOffice) read back with their
Chinese text, pages, headings and metadata intact; the ones kb cannot read say to save them as DOCX."""

from __future__ import annotations

import struct
import zipfile

import pytest
from converted_fixtures import libreoffice_convert, pdf_to_ofd
from ingest_fixtures import make_docx, make_pdf, wrap

import ingest.readers.doc as doc_reader
from ingest.errors import UnreadableFile
from ingest.pipeline import read_all, read_document
from ingest.types import Document, Skipped

PARAGRAPHS = (
    "为深入学习贯彻党的二十届三中全会精神，推动理论学习走深走实，县委理论学习中心组决定开展专题学习研讨。",
    "各成员要认真研读原著原文，结合分管工作撰写心得体会，做到学思用贯通、知信行统一。",
    "学习研讨要坚持问题导向，聚焦改革发展稳定中的突出问题，提出务实管用的对策措施。",
    "县委办公室负责做好学习的组织协调，宣传部负责做好学习资料的编印和分发工作。",
)
NOTICE = [
    ("h1", "关于开展专题学习的通知"),
    ("p", "各乡镇党委，县直各单位：" + PARAGRAPHS[0]),
    ("h2", "一、学习内容"),
    ("p", PARAGRAPHS[1] + "Reading list: 3 books, 12 articles."),
    ("h2", "二、学习要求"),
    ("p", PARAGRAPHS[2]),
    ("table", [["单位", "参学人数"], ["县委办公室", "12"], ["县委宣传部", "9"]]),
    ("p", PARAGRAPHS[3]),
    ("p", "中共清河县委办公室 2024年3月15日"),
]


@pytest.fixture(scope="module")
def notice_docx(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notice")
    return make_docx(folder / "通知.docx", NOTICE, title="关于开展专题学习的通知", author="县委办公室")


@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_libreoffice_doc_and_wps_read_like_the_docx_they_came_from(notice_docx, tmp_path, suffix):
    (converted,) = libreoffice_convert([notice_docx], suffix, tmp_path)
    assert converted.read_bytes()[:8] == doc_reader.OLE_MAGIC  # a Word 97-2003 binary, not a renamed DOCX
    original, legacy = read_document(notice_docx), read_document(converted)
    assert legacy.format == suffix[1:]
    assert legacy.text == original.text
    assert "县委办公室 | 12" in legacy.text and "Reading list: 3 books, 12 articles." in legacy.text
    assert [(h.level, h.title) for h in legacy.headings] == [(h.level, h.title) for h in original.headings]
    assert [(h.level, h.title) for h in legacy.headings][:3] == [
        (1, "关于开展专题学习的通知"), (2, "一、学习内容"), (2, "二、学习要求")]
    assert (legacy.title, legacy.date) == ("关于开展专题学习的通知", "2024-03-15")
    assert legacy.metadata["author"] == "县委办公室"
    assert legacy.warnings == ()


def test_piece_table_reading_agrees_with_the_paragraph_reading(notice_docx, tmp_path):
    """The fallback for fast-saved files (text by the piece table) gives the same text on a normal file."""
    import olefile
    import wps2md

    (converted,) = libreoffice_convert([notice_docx], ".doc", tmp_path)
    with olefile.OleFileIO(str(converted)) as ole:
        word = ole.openstream("WordDocument").read()
        table = ole.openstream("1Table" if struct.unpack_from("<H", word, 0x0A)[0] & 0x0200 else "0Table").read()
    pieces = doc_reader._pieces(word, table)
    assert pieces and doc_reader._stored_in_order(word, pieces)
    by_pieces = [line.strip() for line in doc_reader._text_by_pieces(word, pieces).split("\n") if line.strip()]
    by_paragraphs = [line.strip() for line in wps2md.parse(converted.read_bytes()).main_text.split("\n")]
    assert " ".join(by_pieces).split() == " ".join(by_paragraphs).split()


def test_provincial_reports_saved_as_doc_read_like_the_originals(shared_dir, tmp_path):
    originals = sorted((shared_dir / "eval/dev/corpus-provincial-gwr-2025-docx/original/docx").glob("*.docx"))
    assert len(originals) == 31
    converted = libreoffice_convert(originals, ".doc", tmp_path)
    for original, legacy in zip(originals, converted, strict=True):
        expected, got = read_document(original), read_document(legacy)
        assert got.text == expected.text, original.name
        assert [h.title for h in got.headings] == [h.title for h in expected.headings], original.name


def test_unreadable_doc_files_say_to_save_as_docx(notice_docx, tmp_path):
    (good,) = libreoffice_convert([notice_docx], ".doc", tmp_path / "lo")
    (rtf,) = libreoffice_convert([notice_docx], ".rtf", tmp_path / "lo")
    data = bytearray(good.read_bytes())
    encrypted = tmp_path / "加密.doc"
    word_start = _stream_offset(good, "WordDocument")
    data[word_start + 0x0B] |= 0x01  # fEncrypted: bit 8 of the little-endian FIB flags at 0x0A
    encrypted.write_bytes(bytes(data))
    renamed_rtf = tmp_path / "网站下载.doc"
    renamed_rtf.write_bytes(rtf.read_bytes())
    cut = tmp_path / "不完整.wps"
    cut.write_bytes(good.read_bytes()[:1500])
    problems = {}
    for path in (encrypted, renamed_rtf, cut):
        with pytest.raises(UnreadableFile) as caught:
            read_document(path)
        assert "DOCX" in caught.value.fix
        problems[path.name] = caught.value.problem
    assert "密码" in problems["加密.doc"]
    assert "RTF" in problems["网站下载.doc"]
    assert "损坏" in problems["不完整.wps"]


def _stream_offset(path, name: str) -> int:
    """Byte offset in the file of a stream's first sector (LibreOffice writes WordDocument unfragmented)."""
    import olefile

    with olefile.OleFileIO(str(path)) as ole:
        entry = ole.direntries[ole._find(name)]
        return (entry.isectStart + 1) * ole.sectorsize


def _ofd_pages():
    return [
        ["关于开展专题学习的通知", *wrap(PARAGRAPHS[0], 28), "一、学习内容", *wrap(PARAGRAPHS[1], 28)],
        ["二、学习要求", *wrap(PARAGRAPHS[2], 28)],
        ["三、组织保障", *wrap(PARAGRAPHS[3], 28), "中共清河县委办公室", "2024年3月15日"],
    ]


def test_easyofd_ofd_reads_like_the_pdf_it_came_from(tmp_path):
    pdf = make_pdf(tmp_path / "通知.pdf", _ofd_pages(), header="清河县委理论学习中心组", page_numbers=True)
    ofd = pdf_to_ofd(pdf, tmp_path / "通知.ofd")
    with zipfile.ZipFile(ofd) as package:
        assert "OFD.xml" in package.namelist()
    from_pdf, from_ofd = read_document(pdf), read_document(ofd)
    assert from_ofd.format == "ofd"
    assert from_ofd.text == from_pdf.text
    assert PARAGRAPHS[2] in from_ofd.text and "清河县委理论学习中心组" not in from_ofd.text  # running header gone
    assert [p.number for p in from_ofd.pages] == [1, 2, 3]
    assert from_ofd.page_at(from_ofd.text.index("二、学习要求")) == 2
    assert from_ofd.page_at(from_ofd.text.index("中共清河县委办公室")) == 3
    assert (from_ofd.title, from_ofd.date) == ("关于开展专题学习的通知", "2024-03-15")
    assert from_ofd.metadata["pages"] == "3" and from_ofd.metadata["created"][:2] == "20"
    assert [h.title for h in from_ofd.headings] == ["一、学习内容", "二、学习要求", "三、组织保障"]


def test_an_import_of_mixed_formats_reads_every_file(notice_docx, tmp_path):
    folder = tmp_path / "folder"
    libreoffice_convert([notice_docx], ".doc", folder)
    libreoffice_convert([notice_docx], ".wps", folder)
    pdf_to_ofd(make_pdf(tmp_path / "p.pdf", _ofd_pages()), folder / "通知.ofd")
    (folder / "空白.ofd").write_bytes(b"PK\x03\x04 not really a zip")
    results = list(read_all([folder]))
    assert sorted(r.format for r in results if isinstance(r, Document)) == ["doc", "ofd", "wps"]
    (skipped,) = [r for r in results if isinstance(r, Skipped)]
    assert skipped.path.endswith("空白.ofd") and "OFD" in skipped.problem


def _ofd(path, pages, *, doc_info="", template=None):
    """A minimal OFD package written by hand, for the parts of the standard easyofd does not write:
    DocInfo's Title/Author/dates, a page template carrying text, TextCodes stored out of reading order."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    common = '<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
    if template is not None:
        common += '<ofd:TemplatePage ID="90" BaseLoc="Tpls/Tpl_0/Content.xml"/>'
    page_refs = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.1" DocType="OFD">'
                         f"<ofd:DocBody><ofd:DocInfo>{doc_info}</ofd:DocInfo>"
                         "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        package.writestr("Doc_0/Document.xml", f"<ofd:Document {ns}><ofd:CommonData>{common}</ofd:CommonData>"
                         f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>")
        use_template = '<ofd:Template TemplateID="90"/>' if template is not None else ""
        for i, objects in enumerate(pages):
            package.writestr(f"Doc_0/Pages/Page_{i}/Content.xml",
                             f"<ofd:Page {ns}>{use_template}<ofd:Content><ofd:Layer ID=\"1\">{objects}"
                             "</ofd:Layer></ofd:Content></ofd:Page>")
        if template is not None:
            package.writestr("Doc_0/Tpls/Tpl_0/Content.xml", f"<ofd:Page {ns}><ofd:Content><ofd:Layer ID=\"1\">"
                             f"{template}</ofd:Layer></ofd:Content></ofd:Page>")
    return path


def _text(x, y, text, size=5.0, delta=None):
    delta = delta if delta is not None else " ".join([str(size)] * (len(text) - 1))
    return (f'<ofd:TextObject ID="1" Boundary="0 0 210 297" Font="1" Size="{size}">'
            f'<ofd:TextCode X="{x}" Y="{y}" DeltaX="{delta}">{text}</ofd:TextCode></ofd:TextObject>')


def test_ofd_metadata_templates_and_reading_order(tmp_path):
    info = ("<ofd:Title>关于开展专题学习的通知</ofd:Title><ofd:Author>县委办公室</ofd:Author>"
            "<ofd:CreationDate>2024-03-15</ofd:CreationDate><ofd:ModDate>2024-03-18</ofd:ModDate>")
    first = (_text(20, 60, "第二行在下面。") + _text(20, 40, "第一行在上面，", delta="g 6 5")  # drawn bottom line first
             + _text(20, 80, "第三") + _text(30, 80, "行由两段拼成。"))
    # Text below the declared 297 mm page: producers declare wrong page sizes (easyofd), so it is kept.
    second = _text(20, 40, "第二页正文内容。") + _text(20, 400, "页面范围以外的文字。")
    path = _ofd(tmp_path / "手写.ofd", [first, second], doc_info=info, template=_text(20, 20, "清河县委文件"))
    doc = read_document(path)
    assert doc.title == "关于开展专题学习的通知"
    assert (doc.metadata["author"], doc.metadata["created"], doc.metadata["modified"]) == (
        "县委办公室", "2024-03-15", "2024-03-18")
    # Template text first, then lines top to bottom (the layout rejoins them: each fills the page's line width).
    assert doc.text.startswith("清河县委文件第一行在上面，第二行在下面。第三行由两段拼成。\n")
    assert doc.page_at(doc.text.index("第二页正文内容。")) == 2 and doc.text.count("清河县委文件") == 2
    assert doc.page_at(doc.text.index("页面范围以外的文字。")) == 2


def test_ofd_without_text_says_it_is_a_scan(tmp_path):
    path = _ofd(tmp_path / "扫描.ofd", ['<ofd:ImageObject ID="2" Boundary="0 0 210 297" ResourceID="9"/>'])
    with pytest.raises(UnreadableFile) as caught:
        read_document(path)
    assert "扫描件" in caught.value.problem
