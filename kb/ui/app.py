"""The app: the mode check, the login gate, and the pages each role may open.

A page someone's role does not allow is not in their navigation, so its address leads nowhere; and
were a control reached anyway, the library refuses the change (kb.access).
"""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError
from kb.library import ACTIONS, GUEST, ROLE_LABELS, KnowledgeBase
from kb.ui import common, login_page, session
from kb.ui.common import page
from kb.ui.text import plain

PageSpec = tuple[str, str, str]  # (module of kb.ui, title, icon)


# Pages not every role may open, with the action that decides it.
RESTRICTED: dict[str, tuple[str, str]] = {
    "import_page": ("资料导入", "document.upload"),
    "sync_page": ("文件夹同步", "sync.remove"),
    "admin_page": ("系统管理", "account.read"),
    "assessment_page": ("考核评价", "assessment.read"),
}


def page_specs(kb: KnowledgeBase) -> dict[str, list[PageSpec]]:
    """The navigation for this person's role: groups of pages, the first page the default."""
    manage = [("import_page", "资料导入", ":material/upload_file:")] if kb.can("document.upload") else []
    if kb.can("sync.remove"):
        manage.append(("sync_page", "文件夹同步", ":material/folder_managed:"))
    manage.append(("status_page", "概况", ":material/monitoring:"))
    if kb.can("account.read"):
        manage.append(("admin_page", "系统管理", ":material/admin_panel_settings:"))
    if session.lan():
        manage.append(("account_page", "我的账号", ":material/account_circle:"))
    organise = [("lists_page", "学习清单", ":material/checklist:"),
                ("plan_page", "学习计划", ":material/calendar_month:"),
                ("archive_page", "学习档案", ":material/history_edu:")]
    if kb.can("assessment.read"):
        organise.append(("assessment_page", "考核评价", ":material/fact_check:"))
    return {
        "查找与阅读": [("search_page", "专题检索", ":material/search:"),
                   ("library_page", "资料库", ":material/library_books:")],
        "组织学习": organise,
        "管理": manage,
    }


def pages_for(kb: KnowledgeBase) -> dict[str, list[st.Page]]:
    first = "search_page"
    specs = page_specs(kb)
    pages = {group: [page(module, title, icon, default=module == first) for module, title, icon in entries]
             for group, entries in specs.items()}
    shown = {module for entries in specs.values() for module, _, _ in entries}
    # A page this role may not open is still an address (a bookmark, a link from a colleague): it says
    # why in Chinese instead of Streamlit's English "Page not found", and shows nothing else.
    pages["管理"] += [st.Page(lambda title=title, action=action: refused(title, action), title=title,
                            url_path=module.removesuffix("_page"), visibility="hidden")
                    for module, (title, action) in RESTRICTED.items() if module not in shown]
    return pages


def refused(title: str, action: str) -> None:
    st.title(title)
    needed = ROLE_LABELS.get(ACTIONS[action].role, "")
    st.warning(f"当前账号不能打开“{title}”页面：需要{needed}{'或管理员' if needed != '管理员' else ''}权限。"
               "请从左侧菜单选择其他页面；如需使用，请联系管理员。")


def who_caption(kb: KnowledgeBase) -> None:
    with st.sidebar:
        if session.lan():
            st.caption(f"局域网模式 · 当前用户：{plain(kb.actor.name)}（{ROLE_LABELS.get(kb.actor.role, '')}）")
            st.button("退出登录", key="sidebar_logout", on_click=common.callback(session.log_out), args=(kb,))
        else:
            st.caption("本机模式：仅本机可访问（127.0.0.1），无需登录")


def main() -> None:
    st.set_page_config(page_title="学习资料库", page_icon="📚", layout="wide", initial_sidebar_state="expanded")
    if not session.lan() and not session.local_address_ok():
        st.error("本机模式只能在本机地址（127.0.0.1）上运行：请用 bash scripts/start.sh 或 kb serve 启动；"
                 "要让局域网内的电脑访问，请用 kb serve --lan（需要登录）。")
        st.stop()
    try:
        base = common.current_kb()
    except KBError as e:
        common.inject_css()
        common.show_error(e)
        st.stop()
    kb = session.view(base)
    if kb is None:
        guest = base.acting_as(GUEST)  # before a login, the page may do nothing but log in
        st.navigation([st.Page(lambda: login_page.render(guest), title="登录", icon=":material/login:",
                               url_path="login", default=True)], position="hidden").run()
        return
    session.sync_cookie(kb)
    who_caption(kb)
    st.navigation(pages_for(kb)).run()
