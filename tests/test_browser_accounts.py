"""局域网模式 in real browsers: `kb serve --lan` on loopback, a member and an organiser logged in at the same
time in two headless Chromium sessions. The member sees no import, delete or edit control, finds the
hidden pages closed when typing their address, and a change forged with the member's own session is
refused by the library; the organiser builds a reading list; the administrator's audit page then
shows both sessions' actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeEncoder, load_script
from ui_fixtures import write_ui_corpus

from kb.errors import PermissionDenied
from kb.library import Actor, KnowledgeBase

pytestmark = pytest.mark.slow

PEOPLE = {"王芳": ("admin", "admin-pass-1"), "张三": ("member", "member-pass-1"),
          "李四": ("organiser", "organiser-pass-1")}


@pytest.fixture(scope="module")
def shots():
    module = load_script("screenshots")
    if not module.browser_available():
        pytest.skip("Debian chromium / chromium-driver not installed")
    pytest.importorskip("selenium")
    return module


def body(driver) -> str:
    return driver.find_element("tag name", "body").text


def log_in(shots, driver, url: str, name: str) -> None:
    driver.get(url + "/")
    shots.wait_for_text(driver, "请用管理员为您创建的账号登录")
    driver.find_element("css selector", 'input[aria-label="账号"]').send_keys(name)
    driver.find_element("css selector", 'input[aria-label="密码"]').send_keys(PEOPLE[name][1])
    shots.click_text(driver, "登录", within="stForm")
    shots.wait_for_text(driver, f"当前用户：{name}")


def open_page(shots, driver, url: str, path: str, text: str) -> str:
    driver.get(url + path)
    shots.wait_for_text(driver, text)
    return body(driver)


def audit_rows(shots, driver, url: str) -> list[tuple[str, ...]]:
    """The audit table of 系统管理 → 操作日志, read from the grid's accessible table."""
    open_page(shots, driver, url, "/admin", "新建账号")
    next(t for t in driver.find_elements("css selector", '[role="tab"]') if t.text == "操作日志").click()
    shots.wait_for_text(driver, "导出 CSV")
    driver.set_window_size(1440, 2400)  # every row on screen: the grid renders the visible ones
    shots.wait_for_text(driver, "导出 CSV")
    cells = [td.get_attribute("textContent") for frame in driver.find_elements(
        "css selector", '[data-testid="stDataFrame"]') for td in frame.find_elements("css selector", "td")]
    width = 7  # 时间 账号 角色 操作 对象 结果 说明
    return [tuple(cells[i:i + width]) for i in range(0, len(cells) - width + 1, width)]


def test_members_organisers_and_the_audit_log_in_two_browsers(shots, tmp_path):
    data = tmp_path / "data"
    write_ui_corpus(tmp_path / "docs")
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([tmp_path / "docs"])
        for name, (role, password) in PEOPLE.items():
            kb.accounts.add(name, role, password)
        doc = kb.document("党风廉政建设学习辅导").id

    with shots.running_server(data, lan=True) as url, shots.browser() as member, shots.browser() as organiser:
        log_in(shots, member, url, "张三")
        log_in(shots, organiser, url, "李四")

        # The member: no import, delete or edit controls anywhere.
        navigation = body(member)
        assert "专题检索" in navigation and "学习清单" in navigation
        assert "资料导入" not in navigation and "系统管理" not in navigation and str(data) not in navigation
        shots.search_preset(member, url, "党风廉政建设")
        page = body(member)
        assert "《党风廉政建设学习辅导》" in page
        assert "加入清单" not in page and "起草学习清单" not in page
        page = open_page(shots, member, url, "/library", "打开文档")
        assert "删除" not in page and "加入清单" not in page and str(data) not in page
        page = open_page(shots, member, url, "/lists", "还没有学习清单")
        assert "起草" not in page and "新建" not in page
        for hidden, title, inside in (("/import", "资料导入", "上传文件"), ("/admin", "系统管理", "新建账号")):
            # an address not in the member's navigation says why, in Chinese, and shows nothing else
            page = open_page(shots, member, url, hidden, f"当前账号不能打开“{title}”页面")
            assert inside not in page and "操作日志" not in page and "Page not found" not in page

        # A change forged with the member's own session is refused by the library.
        token = member.get_cookie("kb_session")["value"]
        with KnowledgeBase(data) as kb:
            actor = kb.accounts.resume(token)
            assert actor == Actor("张三", "member")
            forged = kb.acting_as(actor)
            with pytest.raises(PermissionDenied, match="删除文档需要管理员权限"):
                forged.delete(doc)
            with pytest.raises(PermissionDenied, match="新建学习清单需要组织者权限"):
                forged.lists.create("伪造的清单")
            assert kb.count_documents() == 5 and kb.lists.names() == []

        # The organiser builds a reading list from a search.
        shots.search_preset(organiser, url, "党风廉政建设")
        shots.click_text(organiser, "整篇加入清单")
        page = open_page(shots, organiser, url, "/lists", "导出格式")
        assert "党风廉政建设学习辅导" in page
        with KnowledgeBase(data) as kb:
            [name] = kb.lists.names()
            assert [item.title for item in kb.lists.get(name).items] == ["党风廉政建设学习辅导"]

        # The administrator sees both sessions' actions.
        open_page(shots, member, url, "/", "五个问题领域")
        shots.click_text(member, "退出登录")
        shots.wait_for_text(member, "请用管理员为您创建的账号登录")
        log_in(shots, member, url, "王芳")
        rows = audit_rows(shots, member, url)
        did = {(who, what, outcome) for _, who, _, what, _, outcome, _ in rows}
        assert {("张三", "登录", "成功"), ("张三", "删除文档", "拒绝"), ("张三", "新建学习清单", "拒绝"),
                ("张三", "退出登录", "成功"), ("李四", "登录", "成功"), ("李四", "新建学习清单", "成功"),
                ("李四", "编辑学习清单", "成功"), ("王芳", "登录", "成功")} <= did, rows
        denied = next(r for r in rows if r[1] == "张三" and r[3] == "删除文档")
        assert denied[4] == doc and "需要管理员权限" in denied[6]
        picture = shots.screenshot(member, tmp_path / "audit.png")
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(data / "logs").is_dir()  # the server's own log lives with the data, not on a page


HOSTILE = ("![图](http://evil.example/x.png) [点我](javascript:alert(1)) <img src=x onerror=alert(1)> **粗体** "
           "$x^2$ :red[红] :smile: www.evil.example")


def test_markup_in_titles_and_names_stays_text_in_chromium(shots, tmp_path):
    """What Streamlit's own renderer makes of a hostile DOCX title, list name, topic, description and note."""
    import docx

    docs = tmp_path / "docs"
    docs.mkdir()
    document = docx.Document()
    document.core_properties.title = f"学习辅导{HOSTILE}"
    document.add_heading(f"学习辅导{HOSTILE}", level=0)
    document.add_paragraph("严明政治纪律和政治规矩。")
    document.save(docs / "辅导.docx")
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        kb.ingest([docs])
        kb.lists.create(HOSTILE, topic=HOSTILE, description=HOSTILE)
        kb.lists.add_document(HOSTILE, kb.documents()[0].id, note=HOSTILE)
    with shots.running_app(tmp_path / "data") as url, shots.browser() as driver:
        for path, ready in (("/library", "打开文档"), ("/lists", "导出格式")):
            open_page(shots, driver, url, path, ready)
            main = driver.find_element("css selector", '[data-testid="stMain"]')
            links = [a.get_attribute("href") for a in main.find_elements("css selector", "a")]
            assert all(link.startswith(f"{url}{path}#") for link in links), links  # only headings' own anchors
            assert not main.find_elements("css selector", "img, .katex, strong em, script")
            assert "<strong>粗体" not in main.get_attribute("innerHTML")
            assert HOSTILE.replace("学习辅导", "") in main.text.replace("\u2060", "")  # shown as written
