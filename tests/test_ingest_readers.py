"""Readers on files the tests generate: PDF, DOCX, TXT in several encodings, Markdown, HTML, folders."""

from __future__ import annotations

import hashlib

import pytest
from converted_fixtures import easyofd_available, libreoffice_convert, pdf_to_ofd, soffice
from ingest_fixtures import make_docx, make_html, make_pdf, make_titled_pdf, wrap, write_text

from ingest.pipeline import SUPPORTED_SUFFIXES, discover, read_all, read_document
from ingest.readers import READERS
from ingest.types import THEORY, Document

PARAGRAPH = (
    "全面深化改革是推进中国式现代化的根本动力，必须坚持以人民为中心，坚持守正创新，"
    "坚持系统观念，把改革的各项举措落到实处，让改革发展成果更多更公平惠及全体人民。"
)


def test_pdf_text_per_page_with_page_numbers(tmp_path):
    path = make_pdf(tmp_path / "a.pdf", [["第一页：学习贯彻全会精神。"], ["第二页：推进高质量发展。"]])
    doc = read_document(path)
    assert doc.format == "pdf"
    assert [p.number for p in doc.pages] == [1, 2]
    assert doc.text == "第一页：学习贯彻全会精神。\n第二页：推进高质量发展。"
    assert doc.text[doc.pages[1].start : doc.pages[1].end] == "第二页：推进高质量发展。"
    assert doc.page_at(doc.text.index("推进")) == 2
    assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.metadata["pages"] == "2"


def test_pdf_running_header_and_page_numbers_are_dropped(tmp_path):
    body = ["坚持党的全面领导。", "坚持以人民为中心。", "坚持全面深化改革。", "坚持新发展理念。",
            "坚持依法治国。"]
    pages = [[line] for line in body]
    path = make_pdf(tmp_path / "book.pdf", pages, header="清河县委理论学习中心组学习资料", page_numbers=True)
    doc = read_document(path)
    assert "学习资料" not in doc.text
    assert "- 3 -" not in doc.text and "\n3\n" not in doc.text
    for number, line in enumerate(body, start=1):
        page = doc.pages[number - 1]
        assert doc.text[page.start : page.end] == line


def test_pdf_lines_broken_inside_a_sentence_are_joined(tmp_path):
    lines = wrap(PARAGRAPH, 30) + ["一、总体要求", *wrap(PARAGRAPH, 30)]
    indent = [i == 0 for i in range(len(lines))]
    doc = read_document(make_pdf(tmp_path / "wrapped.pdf", [lines], indent=indent))
    assert doc.text == f"{PARAGRAPH}\n一、总体要求\n{PARAGRAPH}"
    assert [h.title for h in doc.headings] == ["一、总体要求"]


def test_pdf_title_from_metadata_or_largest_line(tmp_path):
    with_meta = read_document(make_pdf(tmp_path / "m.pdf", [["正文内容。"]], title="关于加强理论学习的意见"))
    assert with_meta.title == "关于加强理论学习的意见"
    big = read_document(make_titled_pdf(tmp_path / "t.pdf", "学习贯彻党的二十大精神", ["正文内容。"] * 5))
    assert big.title == "学习贯彻党的二十大精神"


def test_docx_headings_by_style_tables_and_core_properties(tmp_path):
    path = make_docx(
        tmp_path / "d.docx",
        [
            ("h1", "第一章 总体要求"),
            ("p", "坚持党的全面领导。"),
            ("h2", "一、指导思想"),
            ("p", "以习近平新时代中国特色社会主义思想为指导。"),
            ("table", [["姓名", "职务"], ["张建华", "县委书记"]]),
            ("p", "（一）具体任务"),
        ],
        title="理论学习实施方案",
        author="县委办",
    )
    doc = read_document(path)
    assert doc.title == "理论学习实施方案"
    assert doc.metadata["author"] == "县委办"
    assert "姓名 | 职务\n张建华 | 县委书记" in doc.text
    assert [(h.level, h.title) for h in doc.headings] == [
        (1, "第一章 总体要求"), (2, "一、指导思想"), (3, "（一）具体任务")
    ]
    for heading in doc.headings:
        assert doc.text[heading.start :].startswith(heading.title)


def test_docx_title_falls_back_to_first_heading(tmp_path):
    doc = read_document(make_docx(tmp_path / "x.docx", [("h1", "学习笔记"), ("p", "正文。")]))
    assert doc.title == "学习笔记"


TRADITIONAL = "中國共產黨理論學習中心組學習會議紀要：深入學習貫徹黨的二十屆三中全會精神。"
SIMPLIFIED = "理论学习中心组学习材料：深入学习贯彻党的二十届三中全会精神，推进高质量发展。"


@pytest.mark.parametrize(
    ("encoding", "text", "reported"),
    [
        ("gbk", SIMPLIFIED, "gb18030"),
        ("gb2312", SIMPLIFIED, "gb18030"),
        ("big5", TRADITIONAL, "big5"),
        ("utf-8-sig", SIMPLIFIED, "utf-8-sig"),
        ("utf-8", TRADITIONAL, "utf-8"),
        ("utf-16", SIMPLIFIED, "utf-16"),
        ("utf-16-le", SIMPLIFIED, "utf_16_le"),
        ("gb18030", SIMPLIFIED + "𠀀", "gb18030"),
    ],
)
def test_text_encodings_are_detected(tmp_path, encoding, text, reported):
    doc = read_document(write_text(tmp_path / "t.txt", f"{text}\n第二行。", encoding))
    assert doc.text == f"{text}\n第二行。"
    assert doc.metadata["encoding"] == reported


def test_short_gbk_and_big5_text_is_not_mistaken_for_korean(tmp_path):
    assert read_document(write_text(tmp_path / "g.txt", "学习贯彻", "gbk")).text == "学习贯彻"
    assert read_document(write_text(tmp_path / "b.txt", "學習貫徹", "big5")).text == "學習貫徹"


def test_traditional_text_is_kept_as_written(tmp_path):
    doc = read_document(write_text(tmp_path / "t.txt", TRADITIONAL, "big5"))
    assert "黨" in doc.text  # display keeps the original; ingest.normalize.for_search folds it


def test_markdown_headings_and_markup(tmp_path):
    md = "# 学习笔记\n\n## 一、背景\n\n这是**重点**内容，见[文件](http://x)。\n\n- 要点甲\n\n```\ncode\n```\n"
    doc = read_document(write_text(tmp_path / "n.md", md, "utf-8"))
    assert doc.title == "学习笔记"
    assert doc.text == "学习笔记\n一、背景\n这是重点内容，见文件。\n要点甲\ncode"
    assert [(h.level, h.title) for h in doc.headings] == [(1, "学习笔记"), (2, "一、背景")]
    assert doc.format == "md"


def test_html_body_text_without_scripts_navigation_or_footer(tmp_path):
    body = """<main><h1>学习贯彻全会精神</h1>
<p>全面深化改革是推进中国式现代化的根本动力。
必须坚持以人民为中心。</p>
<h2>一、总体要求</h2><ul><li>坚持守正创新</li><li>坚持系统观念</li></ul>
<table><tr><td>姓名</td><td>职务</td></tr></table></main>"""
    doc = read_document(make_html(tmp_path / "p.html", body, title="县委中心组学习"))
    assert doc.title == "县委中心组学习"
    assert doc.text == (
        "学习贯彻全会精神\n全面深化改革是推进中国式现代化的根本动力。必须坚持以人民为中心。\n"
        "一、总体要求\n坚持守正创新\n坚持系统观念\n姓名 | 职务"
    )
    assert [(h.level, h.title) for h in doc.headings] == [(1, "学习贯彻全会精神"), (2, "一、总体要求")]


def test_html_declared_gbk_charset(tmp_path):
    doc = read_document(make_html(tmp_path / "g.htm", "<p>理论学习中心组</p>", title="标题", charset="gbk"))
    assert doc.text == "理论学习中心组"
    assert doc.format == "html"


def test_full_width_ascii_and_whitespace_are_normalised(tmp_path):
    raw = "ＧＤＰ增长５．２％，\u3000\u3000全年　目标\t完成。\n\n\n下一段"
    doc = read_document(write_text(tmp_path / "w.txt", raw, "utf-8"))
    assert doc.text == "GDP增长5.2%， 全年 目标 完成。\n下一段"


def test_title_and_date_from_text_or_file_name(tmp_path):
    dated = read_document(write_text(tmp_path / "a.txt", "学习体会\n二〇二四年三月，开展了学习。", "utf-8"))
    assert (dated.title, dated.date) == ("学习体会", "2024-03")
    named = read_document(write_text(tmp_path / "2023-11-05 心得.txt", "没有日期的一段正文内容。", "utf-8"))
    assert (named.title, named.date, named.kind) == ("2023-11-05 心得", "2023-11-05", THEORY)


def test_every_reader_honours_the_document_contract(tmp_path):
    """The same checks for every registered suffix: offsets, hash, format, text normalised."""
    files = {
        ".pdf": make_pdf(tmp_path / "c.pdf", [["一、学习内容", "正文第一段。"], ["正文第二段。"]]),
        ".docx": make_docx(tmp_path / "c.docx", [("h1", "一、学习内容"), ("p", "正文第一段。")]),
        ".txt": write_text(tmp_path / "c.txt", "一、学习内容\n正文第一段。", "gbk"),
        ".md": write_text(tmp_path / "c.md", "# 一、学习内容\n正文第一段。", "utf-8"),
        ".markdown": write_text(tmp_path / "c.markdown", "# 一、学习内容\n正文第一段。", "utf-8"),
        ".html": make_html(tmp_path / "c.html", "<h1>一、学习内容</h1><p>正文第一段。</p>"),
        ".htm": make_html(tmp_path / "c.htm", "<h1>一、学习内容</h1><p>正文第一段。</p>"),
    }
    # Legacy formats come from third-party converters (tests/converted_fixtures.py).
    if soffice():
        for suffix in (".doc", ".wps"):
            (files[suffix],) = libreoffice_convert([files[".docx"]], suffix, tmp_path / suffix[1:])
    if easyofd_available():
        files[".ofd"] = pdf_to_ofd(files[".pdf"], tmp_path / "c.ofd")
    missing = set(READERS) - set(files)
    assert set(files) <= set(READERS) == set(SUPPORTED_SUFFIXES) and missing <= {".doc", ".wps", ".ofd"}
    for path in files.values():
        doc = read_document(path)
        assert isinstance(doc, Document)
        assert doc.path == str(path.absolute())
        assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
        assert doc.text.startswith("一、学习内容\n正文第一段。")
        assert "\n\n" not in doc.text and doc.text == doc.text.strip()
        assert doc.headings and doc.headings[0].start == 0 and doc.headings[0].level == 1
        for page in doc.pages:
            assert 0 <= page.start <= page.end <= len(doc.text)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in doc.metadata.items())
    if missing:
        pytest.skip(f"no converter installed for {sorted(missing)} (LibreOffice / easyofd); the rest passed")


def test_folder_is_read_recursively_sorted_without_hidden_files(tmp_path):
    write_text(tmp_path / "b.txt", "乙文件。", "utf-8")
    (tmp_path / "sub").mkdir()
    write_text(tmp_path / "sub" / "a.txt", "甲文件。", "utf-8")
    write_text(tmp_path / ".hidden.txt", "隐藏。", "utf-8")
    (tmp_path / ".git").mkdir()
    write_text(tmp_path / ".git" / "x.txt", "隐藏。", "utf-8")
    write_text(tmp_path / "~$lock.docx", "x", "utf-8")
    found = discover([tmp_path, tmp_path / "b.txt"])
    assert found == [tmp_path / "b.txt", tmp_path / "sub" / "a.txt"]
    texts = [item.text for item in read_all([tmp_path])]
    assert texts == ["乙文件。", "甲文件。"]
