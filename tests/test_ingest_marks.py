"""Classification (密级) and handling marks on a first page, in DOCX, PDF and TXT files the tests write."""

from __future__ import annotations

import pytest

from ingest.marks import Marks, classification_level, find_marks, mark_line
from ingest.pipeline import read_document
from tests.ingest_fixtures import write_text

TITLE = "关于做好理论学习中心组学习安排的通知"
BODY = [
    "各党支部：",
    "为认真落实中心组学习制度，保守党和国家秘密，现就有关事项通知如下。",
    "一、严格执行机密文件管理规定，秘密载体不得带离办公场所。",
    "二、学习材料中的内部资料请妥善保管。",
]
MARKS = [  # (as printed on the first page, as recognised)
    ("绝密", "绝密"),
    ("机密", "机密"),
    ("秘密", "秘密"),
    ("绝密★", "绝密★"),
    ("机密★", "机密★"),
    ("秘密★", "秘密★"),
    ("绝密★长期", "绝密★长期"),
    ("机密★1年", "机密★1年"),
    ("秘密★6个月", "秘密★6个月"),
    ("机密★十年", "机密★十年"),
    ("机 密 ★ 1 年", "机密★1年"),  # letter-spaced, as a PDF may extract it
    ("机密（1年）", "机密★1年"),
    ("000123 秘密★3年 特急", "秘密★3年"),  # 份号 and 紧急程度 on the same line
]


def _docx(path, head: list[str], *, page_header: str | None = None):
    import docx

    document = docx.Document()
    for line in [*head, TITLE, *BODY]:
        document.add_paragraph(line)
    if page_header:
        document.sections[0].header.paragraphs[0].text = page_header
    document.save(str(path))
    return path


def _pdf(path, head: list[str], *, every_page: str | None = None, pages: int = 1):
    """A PDF drawn with the CJK font kb's exports embed (WQY Zen Hei when installed): the marks at the top
    left where GB/T 9704 puts them (3号, 16 pt) above the title (2号, 22 pt), or a mark printed at the top
    of every page."""
    from reportlab.pdfgen import canvas

    from kb.export.fonts import cjk_font

    font = cjk_font().name
    c = canvas.Canvas(str(path))
    for page in range(pages):
        y = 800
        if every_page:
            c.setFont(font, 10)
            c.drawString(60, 815, every_page)
        for line in (head if page == 0 else []):
            c.setFont(font, 16)
            c.drawString(60, y, line)
            y -= 28
        if page == 0:
            c.setFont(font, 22)
            c.drawString(60, y, TITLE)
            y -= 36
        c.setFont(font, 12)
        for line in BODY:
            c.drawString(60, y, line)
            y -= 20
        c.drawString(60, y, f"第{page + 1}页的正文内容。")
        c.showPage()
    c.save()
    return path


def _txt(path, head: list[str]):
    return write_text(path, "\n".join([*head, TITLE, *BODY]), "gb18030")


WRITERS = {"docx": _docx, "pdf": _pdf, "txt": _txt}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize(("printed", "mark"), MARKS)
def test_each_classification_mark_in_each_format(tmp_path, fmt, printed, mark):
    doc = read_document(WRITERS[fmt](tmp_path / f"m.{fmt}", ["000123", printed]))
    assert doc.classification == mark
    assert classification_level(doc.classification) == mark[:2]
    assert doc.title == TITLE  # the marks above the title are not the title
    assert "各党支部" in doc.text  # nothing else is lost


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_running_text_that_uses_the_words_is_not_a_mark(tmp_path, fmt):
    doc = read_document(WRITERS[fmt](tmp_path / f"n.{fmt}", []))
    assert "秘密" in doc.text and "机密" in doc.text and "内部资料" in doc.text
    assert (doc.classification, doc.handling_marks) == (None, ())


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_handling_marks_are_recorded(tmp_path, fmt):
    doc = read_document(WRITERS[fmt](tmp_path / f"h.{fmt}", ["内部资料 注意保存"]))
    assert (doc.classification, doc.handling_marks) == (None, ("内部资料", "注意保存"))
    both = read_document(WRITERS[fmt](tmp_path / f"b.{fmt}", ["秘密★1年", "（内部文件）"]))
    assert (both.classification, both.handling_marks) == ("秘密★1年", ("内部文件",))


def test_a_mark_in_the_docx_page_header(tmp_path):
    doc = read_document(_docx(tmp_path / "p.docx", [], page_header="机密★5年"))
    assert doc.classification == "机密★5年"
    assert doc.metadata["page_header"] == "机密★5年"
    assert "机密★5年" not in doc.text  # headers stay out of the searchable text


def test_a_mark_printed_on_every_pdf_page_survives_the_running_header_clean_up(tmp_path):
    doc = read_document(_pdf(tmp_path / "r.pdf", [], every_page="秘密★1年 内部资料", pages=4))
    assert "秘密★1年" not in doc.text  # dropped from the text as a running header …
    assert doc.classification == "秘密★1年" and doc.handling_marks == ("内部资料",)  # … yet recognised


def test_only_the_head_of_the_first_page_counts(tmp_path):
    lines = [TITLE, *BODY] + [f"第{i}段正文。" for i in range(20)] + ["秘密★1年"]
    doc = read_document(write_text(tmp_path / "late.txt", "\n".join(lines), "utf-8"))
    assert doc.classification is None


@pytest.mark.parametrize(
    "line",
    ["保守党和国家秘密", "机密文件管理办法", "秘密载体不得带离办公场所。", "这是一份内部资料", "绝密档案", "2024"],
)
def test_mark_line_rejects_text(line):
    assert mark_line(line) is None


def test_find_marks_keeps_the_first_classification_and_every_handling_mark():
    found = find_marks(["000321", "机密★1年", "特急", "秘密", "内部资料", "注意保存 请勿外传"])
    assert found == Marks("机密★1年", ("内部资料", "注意保存", "请勿外传"))
    assert classification_level(None) is None
