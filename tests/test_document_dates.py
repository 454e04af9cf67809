"""A document's date comes from its own date line, title or metadata, never from a date its text
quotes; a wrong date is corrected by an organiser (kb.set_date, kb set-date), and time filters follow."""

from __future__ import annotations

import pypdf
import pytest
from conftest import FakeEncoder
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from kb.cli import main
from kb.errors import InvalidInput, PermissionDenied
from kb.export.fonts import cjk_font
from kb.library import KnowledgeBase
from kb.records import Filters


def quoting_pdf(path, lines: list[str]):
    """A modern article as a PDF with a real text layer, one line per row (created now)."""
    font = cjk_font().name
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFont(font, 12)
    for row, line in enumerate(lines):
        if line[:4].isdigit():  # a 落款 date: on its own, right-aligned, as articles print it
            canvas.drawRightString(535, 780 - 24 * row - 24, line)
        else:
            canvas.drawString(60, 780 - 24 * row, line)
    canvas.save()
    return path


ARTICLE = ["坚持实事求是的思想路线", "本报评论员", "",
           "1961年1月11日，毛泽东同志在中央工作会议上号召全党大兴调查研究之风。",
           "今天，我们重温这段历史，就是要把调查研究作为基本功。",
           "各级领导干部要深入基层，掌握第一手材料，",
           "解决实际问题。",
           "2021年5月17日"]


@pytest.fixture
def kb(tmp_path):
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        yield kb


def test_a_pdf_quoting_an_old_date_gets_its_own(kb, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    quoting_pdf(folder / "调查研究.pdf", ARTICLE)  # its own date line at the end
    quoting_pdf(folder / "无落款.pdf", ARTICLE[:-1])  # no date line: the file's creation date, not 1961
    kb.ingest([folder])
    assert kb.document("调查研究.pdf").date == "2021-05-17"
    created = pypdf.PdfReader(folder / "无落款.pdf").metadata.creation_date.date().isoformat()
    assert kb.document("无落款.pdf").date == created
    assert all(d.date >= "2000" for d in kb.documents())  # the date slider is not stretched back to 1961


def test_an_organiser_corrects_a_date_and_filters_follow(kb, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    quoting_pdf(folder / "无落款.pdf", ARTICLE[:-1])
    doc = kb.ingest([folder]).added[0]
    generation = kb.generation()
    assert kb.set_date(doc.doc_id, "2021-05-17").date == "2021-05-17"
    assert kb.generation() > generation  # results remembered with the old date are not reused
    assert [d.id for d in kb.documents(Filters(since="2021-05-01", until="2021-05-31"))] == [doc.doc_id]
    assert kb.search("调查研究", k=1, filters=Filters(since="2021-05-01"))[0].date == "2021-05-17"
    for wrong in ("2021-02-30", "21-05-17", "去年"):
        with pytest.raises(InvalidInput, match="应写成 2024-03-15"):
            kb.set_date(doc.doc_id, wrong)
    assert kb.set_date(doc.doc_id, "").date is None  # unknown


def test_a_member_may_not_correct_dates(kb, tmp_path):
    from kb.access import Actor
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("标题\n\n正文。", encoding="utf-8")
    doc = kb.ingest([folder]).added[0]
    with pytest.raises(PermissionDenied, match="更正文档信息"):
        kb.acting_as(Actor("成员", "member")).set_date(doc.doc_id, "2024")


def test_kb_set_date(tmp_path, capsys, fake_model):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("学习辅导\n\n正文。", encoding="utf-8")
    data = tmp_path / "data"
    assert main(["--data", str(data), "ingest", str(folder)]) == 0
    capsys.readouterr()
    assert main(["--data", str(data), "set-date", "a.txt", "2024-03"]) == 0
    assert "2024-03" in capsys.readouterr().out
    assert main(["--data", str(data), "set-date", "a.txt", "2024-3"]) == 1
    assert "应写成" in capsys.readouterr().err
