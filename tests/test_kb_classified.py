"""Classified documents at import: a file marked 绝密/机密/秘密 on its first page (DOCX, PDF, TXT) is refused
with its reason while everything else is imported; an older version stays; only an administrator may
allow them; handling marks (内部资料) are kept and shown, never refused."""

from __future__ import annotations

import pytest
from kb_fixtures import write_gongwen
from ui_fixtures import no_errors, page_app, ui_kb_fixture  # noqa: F401 - fixtures

from kb import cli
from kb.access import Actor
from kb.errors import PermissionDenied
from kb.library import KnowledgeBase
from kb.ui import admin_page as admin
from tests.test_ingest_marks import TITLE, WRITERS

LEVELS = ["绝密", "机密★1年", "秘密★6个月"]
PLAIN = "学习材料汇编\n坚持问题导向，推动理论学习走深走实，把学习成果转化为推动工作的实际成效。"


@pytest.fixture
def kb(kb_location, fake_encoder):
    with KnowledgeBase(kb_location, encoder=fake_encoder) as kb:
        yield kb


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_each_classification_is_refused_and_the_rest_imported(kb, tmp_path, fmt):
    folder = tmp_path / fmt
    folder.mkdir()
    marked = {WRITERS[fmt](folder / f"{n}.{fmt}", ["000123", level]): level for n, level in enumerate(LEVELS)}
    (folder / "普通材料.txt").write_text(PLAIN, encoding="utf-8")
    write_gongwen(folder)  # 内部资料 注意保存: recorded, not refused
    report = kb.ingest([folder])
    assert sorted(report.refused) == sorted(str(p) for p in marked)
    assert {e.path for e in report.added} == {str(folder / "普通材料.txt"), str(folder / "县委党纪学习教育意见.txt")}
    reasons = {s.path: s for s in report.skipped}
    for path, level in marked.items():
        skipped = reasons[str(path)]
        assert f"密级“{level}”" in skipped.problem and "涉密" in skipped.problem and "管理员" in skipped.fix
        assert "\n" not in skipped.reason
    assert kb.count_documents() == 2 and not any(d.classification for d in kb.documents())
    assert all(TITLE not in h.title for h in kb.search("理论学习中心组学习安排", k=10))
    assert kb.document("县委党纪学习教育意见.txt").handling_marks == ("内部资料", "注意保存")
    assert "涉密文件 3 个未导入" in kb.store.audit.query(limit=1)[0].detail


def test_a_classified_new_version_leaves_the_old_one_in_place(kb, tmp_path):
    path = tmp_path / "安排.txt"
    path.write_text(PLAIN, encoding="utf-8")
    (entry,) = kb.ingest([path]).added
    path.write_text("机密★1年\n" + PLAIN + "\n新增的涉密内容。", encoding="utf-8")
    report = kb.ingest([path])
    assert report.refused == [str(path)] and not report.updated
    doc = kb.document(entry.doc_id)
    assert doc.path == str(path) and "涉密" not in kb.text(doc.id)
    assert [h.doc_id for h in kb.search("推动理论学习走深走实", k=1)] == [doc.id]


def test_an_administrator_may_allow_them_and_the_mark_is_kept(kb, tmp_path):
    path = WRITERS["txt"](tmp_path / "m.txt", ["机密★1年"])
    assert kb.classified_allowed() is False
    with pytest.raises(PermissionDenied, match="管理员"):
        kb.acting_as(Actor("组织者甲", "organiser")).allow_classified(True)
    assert kb.classified_allowed() is False
    kb.allow_classified(True)
    (entry,) = kb.ingest([path]).added
    doc = kb.document(entry.doc_id)
    assert doc.classification == "机密★1年" and doc.marks[0] == "机密★1年"
    kb.allow_classified(False)
    assert kb.ingest([WRITERS["txt"](tmp_path / "s.txt", ["秘密"])]).refused


def test_an_uploaded_classified_file_is_not_kept(kb):
    organiser = kb.acting_as(Actor("组织者甲", "organiser"))
    content = ("绝密★长期\n" + PLAIN).encode()
    report = organiser.upload([("绝密材料.txt", content), ("普通.txt", PLAIN.encode())])
    assert len(report.refused) == 1 and len(report.added) == 1
    assert sorted(p.name for p in (kb.data_dir / "uploads").iterdir()) == ["普通.txt"]
    # a classified upload under the name of a stored one is refused, and the stored one's file put back
    again = organiser.upload([("普通.txt", ("机密★1年\n" + PLAIN + "\n补充").encode())])
    assert again.refused and (kb.data_dir / "uploads" / "普通.txt").read_bytes() == PLAIN.encode()
    assert kb.document("普通.txt").path == str(kb.data_dir / "uploads" / "普通.txt")


def test_cli_setting_and_report(tmp_path, fake_model, capsys):
    data = ["--data", str(tmp_path / "kb")]
    path = WRITERS["txt"](tmp_path / "m.txt", ["秘密★3年"])
    assert cli.main([*data, "ingest", str(path)]) == 1  # nothing could be taken in
    out = capsys.readouterr().out
    assert "[跳过]" in out and "密级“秘密★3年”" in out
    assert cli.main([*data, "classified"]) == 0 and "不导入涉密文件（默认）" in capsys.readouterr().out
    assert cli.main([*data, "classified", "--allow"]) == 0 and "允许导入涉密文件" in capsys.readouterr().out
    assert cli.main([*data, "ingest", str(path)]) == 0 and "新增 1" in capsys.readouterr().out


def test_the_admin_page_switches_the_setting(ui_kb):
    at = page_app("admin_page")
    at.run()
    no_errors(at)
    at.toggle(key=admin.CLASSIFIED).set_value(True).run()
    no_errors(at)
    assert ui_kb.classified_allowed() is True
    assert "已允许导入涉密文件" in [s.value for s in at.success]
    at.toggle(key=admin.CLASSIFIED).set_value(False).run()
    assert ui_kb.classified_allowed() is False
