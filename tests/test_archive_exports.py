"""The archive's exports read back with the libraries an office would open them with: the assessment
table (openpyxl, csv), the archive volume (python-docx, pypdf, zipfile) and the 学习情况通报 (python-docx),
the Chinese text intact, names kept as text, every export audited and refused to members."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

import pytest
from conftest import FakeEncoder
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from kb.access import Actor
from kb.errors import InvalidInput, PermissionDenied
from kb.library import KnowledgeBase
from kb.sample_kb import SAMPLE_ARCHIVE, build_sample

HOSTILE = "=HYPERLINK(\"http://x\",\"点我\")"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    with KnowledgeBase(tmp_path_factory.mktemp("exports") / "data", encoder=FakeEncoder()) as kb:
        build_sample(kb)
        yield kb


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_assessment_table_as_xlsx_and_csv(sample):
    book = load_workbook(io.BytesIO(sample.assessment.export_table(2025, "xlsx")))
    assert book.sheetnames == ["2025年考核评价", "计划完成情况", "考核标准"]
    rows = list(book["2025年考核评价"].iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "姓名", "职务") and len(rows) == 12
    wu = next(r for r in rows if r[1] == "吴海涛")
    assert wu[3:9] == (6, 5, 0, 1, 0, "83%") and wu[14] == "未达标" and "缺席，未补学" in wu[15]
    assert [r[2] for r in book["计划完成情况"].iter_rows(values_only=True)][1:] == [
        "按期开展", "按期开展", "按期开展", "调整时间开展", "未开展", "按期开展", "按期开展"]
    text = sample.assessment.export_table(2025, "csv").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][1] == "姓名" and [r[1] for r in table[1:]] == [r[1] for r in rows[1:]]
    assert table[2][12:14] == ["1", "1"]  # 李明: one research report, one outcome
    with pytest.raises(InvalidInput, match="xlsx、csv"):
        sample.assessment.export_table(2025, "ods")


def test_names_stay_text_in_every_table(tmp_path):
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        minutes = tmp_path / "纪要.txt"
        minutes.write_text("中心组2025年第1次集体学习会议纪要\n\n时间：2025年3月1日\n主持人：李明\n"
                           "参加人员：李明\n学习主题：党风廉政建设\n", encoding="utf-8")
        kb.ingest([minutes])
        kb.roster.add_member(HOSTILE, post="@SUM(A1)")
        kb.roster.add_member("李明")
        sheet = load_workbook(io.BytesIO(kb.assessment.export_table(2025, "xlsx"))).active
        cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row}
        assert cells[HOSTILE] == "s" and cells["@SUM(A1)"] == "s"  # strings, not formulas
        text = kb.assessment.export_table(2025, "csv").decode("utf-8-sig")
        assert "'" + HOSTILE.replace('"', '""') in text and "'@SUM(A1)" in text
        assert HOSTILE in docx_text(kb.assessment.export_volume(2025, "docx"))  # shown as typed


def test_the_archive_volume_as_docx_and_pdf(sample):
    text = docx_text(sample.assessment.export_volume(2025, "docx"))
    for expected in ("2025年度理论学习中心组学习档案", "中共清河县委理论学习中心组", "目　录", "一、年度学习计划",
                     "二、学习计划完成情况", "三、集体学习记录及签到", "四、出勤统计与考核评价", "五、补学登记",
                     "六、学习成果索引", "请假（参加省委党校培训）", "2025-04-28 补学，有心得体会",
                     "《关于清河县特色农产品加工业发展情况的调研报告》",
                     "县政府出台《清河县支持农产品加工业发展的若干措施》",
                     "吴海涛：2025-06-10 践行绿水青山就是金山银山理念 加强清河流域生态保护：缺席，未补学"):
        assert expected in text, expected
    reader = PdfReader(io.BytesIO(sample.assessment.export_volume(2025, "pdf")))
    pages = [page.extract_text() for page in reader.pages]
    whole = "\n".join(pages)
    assert "2025年度理论学习中心组学习档案" in pages[0] and "目" in pages[1]
    assert "学习成果索引" in whole and "马文斌" in whole and "调整时间开展" in whole
    # The contents page gives each chapter's page, and the chapter is on it.
    for line in pages[1].splitlines():
        if "第" in line and "页" in line and "、" in line:
            chapter, page = line.split("……")[0].strip(), int(line.split("第")[-1].split("页")[0])
            assert chapter.replace(" ", "") in pages[page - 1].replace(" ", ""), line


def test_the_volume_zip_holds_the_source_files_as_imported(sample):
    z = zipfile.ZipFile(io.BytesIO(sample.assessment.export_volume(2025, "zip")))
    names = z.namelist()
    assert {"2025年度学习档案.docx", "2025年度学习档案.pdf", "2025年考核评价表.xlsx",
            "2025年考核评价表.csv"} <= set(names)
    outputs = [n for n in names if n.startswith("学习成果/")]
    assert len(outputs) == 8 and len([n for n in names if n.startswith("会议纪要/")]) == 6
    report = next(n for n in outputs if "调研报告" in n)
    original = (SAMPLE_ARCHIVE / "outputs" / "2025-李明-调研报告-特色产业.md").read_bytes()
    assert hashlib.sha256(z.read(report)).digest() == hashlib.sha256(original).digest()
    assert "缺少的原文件.txt" not in names and all(".." not in n and not n.startswith("/") for n in names)


def test_a_source_file_changed_since_import_is_listed_not_packed(tmp_path):
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        minutes = tmp_path / "纪要.txt"
        minutes.write_text("中心组2025年第1次集体学习会议纪要\n\n时间：2025年3月1日\n主持人：李明\n参加人员：李明\n",
                           encoding="utf-8")
        kb.ingest([minutes])
        minutes.write_text("改过的纪要", encoding="utf-8")
        z = zipfile.ZipFile(io.BytesIO(kb.assessment.export_volume(2025, "zip")))
        assert not any(n.startswith("会议纪要/") for n in z.namelist())
        assert "导入后已改动" in z.read("缺少的原文件.txt").decode("utf-8-sig")


def test_the_bulletin_is_one_page_of_counts(sample, tmp_path):
    data = sample.assessment.export_bulletin(2025)
    text = docx_text(data)
    assert "2025年度理论学习中心组学习情况通报" in text
    assert "共开展集体学习 6 次（2月、4月、6月、8月、10月、12月）" in text
    assert "按期开展 5 个，调整时间开展 1 个，未开展 1 个，计划完成率 86%" in text
    assert ("应参加 66 人次，出席 60 人次，请假 5 人次，缺席 1 人次，平均出勤率 91%；"
            "请假、缺席 6 人次中已补学 4 人次") in text
    assert "提交心得体会 6 篇、研讨发言材料 1 篇、调研报告 1 篇，其中 1 篇调研报告形成成果转化" in text
    assert "7 人达标，4 人未达标" in text
    # One page: LibreOffice, where installed, says how many pages Word would lay out.
    import shutil
    import subprocess
    office = shutil.which("soffice")
    if office:
        path = tmp_path / "通报.docx"
        path.write_bytes(data)
        profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"  # clear of any running instance
        subprocess.run([office, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                       check=True, capture_output=True, timeout=120)
        assert len(PdfReader(tmp_path / "通报.pdf").pages) == 1


def test_exports_are_audited_and_need_the_organisers_right(sample):
    rows = sample.store.audit.count()
    sample.assessment.export_table(2025, "csv")
    row = sample.store.audit.query(limit=1)[0]
    assert sample.store.audit.count() == rows + 1
    assert (row.action, row.target, row.outcome, row.detail) == ("export", "2025", "ok", "考核评价表（csv）")
    member = sample.acting_as(Actor("孙丽", "member"))
    for export in (lambda: member.assessment.export_table(2025), lambda: member.assessment.export_volume(2025),
                   lambda: member.assessment.export_bulletin(2025)):
        with pytest.raises(PermissionDenied, match="查看考核结果需要组织者权限"):
            export()
        assert sample.store.audit.query(limit=1)[0].outcome == "denied"
