"""The UI with accounts (AppTest): 局域网模式 asks for a login and shows each role only its pages and
controls; 本机模式 says so and refuses a non-loopback address; the administrators' page manages accounts
and shows the audit log; people change their own password."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from ui_fixtures import REPO_APP, no_errors, page_app, page_text, serve_on, shown, ui_kb_fixture  # noqa: F401

from kb.access import Actor
from kb.ui import app as ui_app
from kb.ui import session

PASSWORDS = {"张三": "member-pass-1", "李四": "organiser-pass-1", "王芳": "admin-pass-1"}
ROLES = {"张三": "member", "李四": "organiser", "王芳": "admin"}


@pytest.fixture
def lan(ui_kb, monkeypatch):
    """ui_kb served in 局域网模式, with a member, an organiser and an administrator."""
    monkeypatch.setenv("KB_UI_MODE", "lan")
    serve_on(monkeypatch, "0.0.0.0")
    for name, role in ROLES.items():
        ui_kb.accounts.add(name, role, PASSWORDS[name])
    return ui_kb


def logged_in(kb, name: str) -> str:
    return kb.acting_as(session.GUEST).accounts.login(name, PASSWORDS[name]).token


def page_as(kb, module: str, name: str) -> AppTest:
    at = page_app(module)
    at.session_state[session.TOKEN] = logged_in(kb, name)
    return at.run()


def titles(kb, name: str) -> list[str]:
    view = kb.acting_as(Actor(name, ROLES[name]))
    return [title for group in ui_app.page_specs(view).values() for _, title, _ in group]


def test_the_lan_app_shows_only_the_login_until_one_logs_in(lan):
    at = AppTest.from_file(str(REPO_APP), default_timeout=60).run()
    no_errors(at)
    assert [t.value for t in at.title] == ["学习资料库"] and [s.value for s in at.subheader] == ["登录"]
    assert not at.dataframe and "资料库：" not in "".join(c.value for c in at.sidebar.caption)
    at.text_input(key="login_name").set_value("张三")
    at.text_input(key="login_password").set_value("wrong-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["账号或密码不正确"]
    at.text_input(key="login_password").set_value(PASSWORDS["张三"])
    at.button[0].click().run()
    no_errors(at)
    assert [t.value for t in at.title] == ["专题检索"]
    sidebar = "".join(shown(c.value) for c in at.sidebar.caption)
    assert "当前用户：张三（成员）" in sidebar and str(lan.data_dir) not in sidebar
    rows = [(r.actor, r.action, r.outcome) for r in lan.audit.entries()[:2]]
    assert rows == [("张三", "login", "ok"), ("张三", "login", "failed")]
    at.button(key="sidebar_logout").click().run()
    assert [s.value for s in at.subheader] == ["登录"]  # the session ended on the server too
    assert lan.store.backend.fetch_value("SELECT count(*) FROM login_sessions") == 0


def test_each_role_sees_its_own_pages(lan):
    common = ["专题检索", "资料库", "学习清单", "学习计划", "学习档案"]
    assert titles(lan, "张三") == [*common, "概况", "我的账号"]
    assert titles(lan, "李四") == [*common, "考核评价", "资料导入", "文件夹同步", "概况", "我的账号"]
    assert titles(lan, "王芳") == [*common, "考核评价", "资料导入", "文件夹同步", "概况", "系统管理", "我的账号"]


def test_a_page_without_a_login_asks_for_one(lan):
    at = page_app("lists_page").run()
    assert [w.value for w in at.warning] == ["请先登录。"] and not at.title


def test_a_member_sees_no_controls_that_change_anything(lan):
    lan.lists.create("第一次学习", topic="党风廉政建设")
    lan.lists.add_document("第一次学习", lan.document("群众工作与基层治理").id, note="重点读第二部分")
    lan.plans.create(2027, "主线", themes=["党风廉政建设"])
    buttons = {}
    for module in ("search_page", "library_page", "lists_page", "plan_page", "archive_page", "status_page"):
        at = page_as(lan, module, "张三")
        no_errors(at)
        buttons[module] = [b.label for b in at.button]
        text = page_text(at)
        assert str(lan.data_dir) not in text, module
        # Text fields only to search with, or (lists) for the optional header printed on an export.
        fields = [t.key for t in at.text_input if not (module == "lists_page" and t.key.startswith("export_"))]
        assert not fields or module in ("search_page", "library_page", "archive_page"), module
    assert buttons["lists_page"] == [] and buttons["plan_page"] == ["生成导出文件"]
    assert not any("清单" in label or "删除" in label for labels in buttons.values() for label in labels)
    lists = page_as(lan, "lists_page", "张三")
    assert all("删除" not in e.label and "修改" not in e.label for e in lists.expander)
    assert lists.get("download_button")  # members export
    assert "导读：重点读第二部分" in "".join(b.proto.body for b in lists.get("html"))
    library = page_as(lan, "library_page", "张三")
    assert not [e for e in library.expander if "删除" in e.label]
    [source] = [shown(c.value) for c in library.caption if c.value.startswith("来源文件")]
    assert source.startswith("来源文件：2024年第2次学习纪要.txt · ")  # the file's name, not its server path
    archive = page_as(lan, "archive_page", "张三")
    assert not [e for e in archive.expander if "更正" in e.label]
    assert not [s for s in archive.selectbox if "更正" in s.label]  # a member views a session, corrects nothing
    imports = page_as(lan, "import_page", "张三")  # not in a member's navigation; by hand it says no
    assert [i.value for i in imports.info] == ["导入资料需要组织者或管理员权限。"] and not imports.get("file_uploader")


def test_a_member_with_no_lists_yet_is_told_who_makes_them(lan):
    at = page_as(lan, "lists_page", "张三")
    no_errors(at)
    assert [i.value for i in at.info] == ["还没有学习清单。组织者编好学习清单后会列在这里，可以阅读和导出。"]
    assert not at.columns and not at.expander  # no empty column where an organiser's forms would be


def test_an_organiser_uploads_and_edits_but_imports_no_folder(lan):
    at = page_as(lan, "import_page", "李四")
    no_errors(at)
    assert [t.label for t in at.tabs] == ["上传文件"]
    assert "数据目录中" in page_text(at) and str(lan.data_dir) not in page_text(at)
    lists = page_as(lan, "lists_page", "李四")
    assert [e.label for e in lists.expander][:2] == ["根据主题自动起草", "新建空白清单"]


def test_an_administrator_imports_only_inside_the_roots_and_is_never_told_what_exists(lan, tmp_path):
    root = tmp_path / "资料"
    root.mkdir()
    (root / "乡村振兴.txt").write_text("乡村振兴学习辅导\n\n发展特色种养业。\n", encoding="utf-8")
    lan.roots.add(root)
    at = page_as(lan, "import_page", "王芳")
    assert [t.label for t in at.tabs] == ["上传文件", "从文件夹导入"]  # no sample in a shared database
    answers = []
    for path in ("/etc", "/etc/no-such-folder"):
        at.text_input(key="import_folder").set_value(path).run()
        at.button(key="import_folder_go").click().run()
        answers.append(shown(at.error[0].value).replace(path, "X"))
    assert answers[0] == answers[1] and "不在管理员设定的导入目录内" in answers[0]
    at.text_input(key="import_folder").set_value(str(root)).run()
    at.button(key="import_folder_go").click().run()
    no_errors(at)
    [job] = [j for j in lan.import_jobs(everyone=True) if j.owner == "王芳"]  # queued for her, in her name
    assert lan.import_job(job.id, wait=120).state == "finished"
    assert lan.document("乡村振兴.txt").title == "乡村振兴学习辅导"


def test_the_administrators_page_manages_accounts_and_shows_the_audit_log(lan):
    at = page_as(lan, "admin_page", "王芳")
    no_errors(at)
    at.text_input[0].set_value("赵六")
    at.selectbox[0].set_value("organiser")
    at.text_input[1].set_value("zhaoliu-pass")
    at.text_input[2].set_value("zhaoliu-pass")
    next(b for b in at.button if b.label == "新建").click().run()
    no_errors(at)
    assert ("赵六", "organiser", True) in [(a.name, a.role, a.enabled) for a in lan.accounts.all()]
    audit = at.dataframe[1].value
    assert list(audit["操作"])[:2] == ["新建账号", "登录"] and list(audit["账号"])[:2] == ["王芳", "王芳"]
    assert list(audit["对象"])[0] == "赵六" and list(audit["结果"])[0] == "成功"
    at.selectbox(key="audit_actor").set_value("本机管理员").run()
    assert set(at.dataframe[1].value["操作"]) == {"新建账号", "从文件夹导入"}  # the fixture's accounts and import
    assert at.get("download_button")


def test_a_person_changes_their_own_password(lan):
    at = page_as(lan, "account_page", "张三")
    no_errors(at)
    assert "张三" in page_text(at) and "成员" in page_text(at)
    fields = at.text_input
    fields[0].set_value(PASSWORDS["张三"])
    fields[1].set_value("a-brand-new-1")
    fields[2].set_value("a-brand-new-1")
    at.button[0].click().run()
    no_errors(at)
    assert [s.value for s in at.success] == ["密码已修改；您在其他地方的登录都已退出。"]
    assert lan.acting_as(session.GUEST).accounts.login("张三", "a-brand-new-1").actor.name == "张三"


def test_local_mode_says_so_and_refuses_a_network_address(ui_kb, monkeypatch):
    at = AppTest.from_file(str(REPO_APP), default_timeout=60).run()
    no_errors(at)
    sidebar = "".join(c.value for c in at.sidebar.caption)
    assert "本机模式：仅本机可访问（127.0.0.1），无需登录" in sidebar and str(ui_kb.data_dir) in shown(sidebar)
    serve_on(monkeypatch, "0.0.0.0")
    at = AppTest.from_file(str(REPO_APP), default_timeout=60).run()
    assert [e.value for e in at.error][0].startswith("本机模式只能在本机地址（127.0.0.1）上运行")
    assert not at.title
