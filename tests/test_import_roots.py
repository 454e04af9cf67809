"""Folder imports by anyone but the local administrator stay inside the import roots: a system folder,
`..`, a symlink out of a root are refused with the same words whether the path exists or not, and a
link inside a root pointing out of it is left out without being read or named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.access import Actor
from kb.errors import InvalidInput, NotFound, PermissionDenied
from kb.library import KnowledgeBase

TEXT = "导入目录中的学习材料\n\n坚持问题导向，推动理论学习走深走实。\n"
SECRET = "服务器上的机密文件\n\n这一份不在导入目录中，任何人都不应从网页导入它。\n"


@pytest.fixture
def setup(kb_location, fake_encoder, tmp_path):
    root = tmp_path / "资料"
    (root / "2025年").mkdir(parents=True)
    (root / "2025年" / "学习材料.txt").write_text(TEXT, encoding="utf-8")
    outside = tmp_path / "机密"
    outside.mkdir()
    (outside / "机密文件.txt").write_text(SECRET, encoding="utf-8")
    with KnowledgeBase(kb_location, encoder=fake_encoder) as kb:
        kb.roots.add(root)
        admin = kb.acting_as(Actor("管理员", "admin"))
        yield kb, admin, root, outside


def refusal(admin: KnowledgeBase, path: str | Path) -> str:
    with pytest.raises(PermissionDenied) as refused:
        admin.ingest([path])
    return str(refused.value)


def test_a_folder_inside_a_root_is_imported(setup):
    kb, admin, root, _ = setup
    report = admin.ingest([str(root / "2025年")])
    assert [e.title for e in report.added] == ["导入目录中的学习材料"]
    assert kb.audit.entries()[0].detail.startswith("新增 1")


@pytest.mark.parametrize("where", ["system", "dotdot", "symlink", "relative", "missing"])
def test_paths_outside_the_roots_are_refused_alike(setup, where, tmp_path):
    kb, admin, root, outside = setup
    (root / "捷径").symlink_to(outside, target_is_directory=True)
    path = {
        "system": "/etc",
        "dotdot": f"{root}/../机密",
        "symlink": str(root / "捷径"),
        "relative": "资料/2025年",
        "missing": str(tmp_path / "不存在的文件夹"),
    }[where]
    message = refusal(admin, path)
    assert message == f"只能导入导入目录中的文件夹：{path} 不在管理员设定的导入目录内（{root.resolve()}）"
    assert kb.count_documents() == 0
    row = kb.audit.entries()[0]
    assert (row.action, row.outcome, row.target) == ("document.import", "denied", path)


def test_the_same_words_whether_an_outside_path_exists_or_not(setup, tmp_path):
    _, admin, root, outside = setup
    exists = refusal(admin, outside / "机密文件.txt")
    missing = refusal(admin, outside / "没有这个文件.txt")
    assert exists.replace("机密文件.txt", "X") == missing.replace("没有这个文件.txt", "X")
    assert refusal(admin, "/etc/passwd").replace("/etc/passwd", "X") == \
        refusal(admin, "/etc/no-such-file").replace("/etc/no-such-file", "X")


def test_a_link_inside_a_root_pointing_out_is_left_out_unread_and_unnamed(setup):
    kb, admin, root, outside = setup
    (root / "2025年" / "链接.txt").symlink_to(outside / "机密文件.txt")
    (root / "2025年" / "文件夹链接").symlink_to(outside, target_is_directory=True)
    (root / "2025年" / "passwd.txt").symlink_to("/etc/passwd")
    report = admin.ingest([root])
    assert [e.title for e in report.added] == ["导入目录中的学习材料"]
    assert not report.skipped
    assert any("跳过" in w and "指向导入目录以外" in w for w in report.warnings)
    shown = repr(report) + repr(kb.audit.entries()[0])
    assert "机密" not in shown and "passwd" not in shown.replace("passwd.txt", "")
    assert all("机密" not in d.title for d in kb.documents())


def test_without_roots_nothing_is_imported_by_path(kb_location, fake_encoder, tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    with KnowledgeBase(kb_location, encoder=fake_encoder) as kb:
        admin = kb.acting_as(Actor("管理员", "admin"))
        with pytest.raises(PermissionDenied, match="还没有设定导入目录：管理员先在“系统管理 → 导入目录”中添加"):
            admin.ingest([tmp_path])


def test_the_local_administrator_is_not_confined(setup):
    kb, _, _, outside = setup
    assert [e.title for e in kb.ingest([outside]).added] == ["服务器上的机密文件"]


def test_roots_are_real_folders_that_hold_documents(setup, tmp_path):
    kb, admin, root, outside = setup
    for path, problem in [("资料", "绝对路径"), (tmp_path / "没有", "不是服务器上已有的文件夹"),
                          ("/", "系统文件夹"), ("/etc", "系统文件夹"), ("/proc/self", "系统文件夹"),
                          (outside / "机密文件.txt", "不是服务器上已有的文件夹")]:
        with pytest.raises(InvalidInput, match=problem):
            kb.roots.add(path)
    link = tmp_path / "etc链接"
    link.symlink_to("/etc", target_is_directory=True)
    with pytest.raises(InvalidInput, match="系统文件夹"):
        kb.roots.add(link)  # judged by where it really is
    assert kb.roots.add(f"{root}/2025年/..") == str(root.resolve())  # stored once, as its real path
    assert kb.roots.all() == [str(root.resolve())]
    kb.roots.remove(root)
    with pytest.raises(NotFound, match="不是导入目录"):
        kb.roots.remove(root)
    assert kb.roots.all() == []


def test_uploads_are_not_confined_and_land_in_the_data_folder(setup):
    kb, _, _, _ = setup
    organiser = kb.acting_as(Actor("组织者", "organiser"))
    report = organiser.upload([("../../逃出去.txt", TEXT.encode())])
    saved = Path(report.added[0].path)
    assert saved.parent == kb.data_dir / "uploads" and saved.name == "逃出去.txt"
    assert os.path.realpath(saved).startswith(os.path.realpath(kb.data_dir))
    row = kb.audit.entries()[0]
    assert (row.actor, row.action, row.target, row.outcome) == ("组织者", "document.upload", "../../逃出去.txt", "ok")
