"""系统管理 (administrators): accounts, the audit log (操作日志), import roots, the login policy."""

from __future__ import annotations

from datetime import date

import streamlit as st

from kb.errors import KBError
from kb.library import ACTIONS, OUTCOME_LABELS, ROLE_LABELS, ROLES, KnowledgeBase
from kb.records import AuditQuery, LoginPolicy
from kb.ui import common
from kb.ui.text import plain

EVERYONE = "（全部）"


def _role(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def _when(stamp: str | None) -> str:
    return stamp[:16].replace("T", " ") if stamp else "—"


def _act(kb: KnowledgeBase, action, *args, done: str, **kwargs) -> bool:
    """Run a library call; its refusal or mistake becomes one line on the page."""
    try:
        action(*args, **kwargs)
    except KBError as e:
        common.show_error(e, kb)
        return False
    st.success(done)
    return True


# ---- accounts -----------------------------------------------------------------------------------
def _new_account(kb: KnowledgeBase) -> None:
    with st.form("admin_new_account", clear_on_submit=True):
        st.markdown("**新建账号**")
        left, right = st.columns(2)
        name = left.text_input("账号名", placeholder="如：张三")
        role = right.selectbox("角色", ROLES, format_func=_role)
        password = left.text_input("初始密码（至少 8 个字符）", type="password", autocomplete="new-password")
        again = right.text_input("再输入一次", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("新建", type="primary")
    if submitted:
        if password != again:
            st.error("两次输入的密码不一致")
        else:
            _act(kb, kb.accounts.add, name, role, password, done=f"已新建账号 {plain(name.strip())}（{_role(role)}）")


def _edit_account(kb: KnowledgeBase, names: list[str], by_name: dict) -> None:
    st.markdown("**修改账号**")
    name = st.selectbox("选择账号", names, key="admin_account")
    if name is None:
        return
    account = by_name[name]
    left, middle, right = st.columns([2, 1, 1])
    role = left.selectbox("角色", ROLES, index=ROLES.index(account.role), format_func=_role,
                          key=f"admin_role_{name}")
    if middle.button("保存角色", key=f"admin_role_save_{name}", disabled=role == account.role):
        if _act(kb, kb.accounts.set_role, name, role, done=f"{plain(name)} 现在是{_role(role)}"):
            st.rerun()
    label = "停用账号" if account.enabled else "重新启用"
    if right.button(label, key=f"admin_enable_{name}"):
        if _act(kb, kb.accounts.set_enabled, name, not account.enabled,
                done=f"已{'停用' if account.enabled else '启用'}账号 {plain(name)}"):
            st.rerun()
    with st.form(f"admin_reset_{name}", clear_on_submit=True):
        st.caption("重置密码：该账号的登录会全部退出，锁定随之解除。")
        c1, c2 = st.columns(2)
        password = c1.text_input("新密码", type="password", autocomplete="new-password")
        again = c2.text_input("再输入一次", type="password", autocomplete="new-password")
        reset = st.form_submit_button("重置密码")
    if reset:
        if password != again:
            st.error("两次输入的密码不一致")
        else:
            _act(kb, kb.accounts.reset_password, name, password, done=f"已重置 {plain(name)} 的密码")


def accounts_tab(kb: KnowledgeBase) -> None:
    accounts = kb.accounts.all()
    st.caption("成员：检索、阅读、导出；组织者：另可编辑学习清单、学习计划、更正学习记录、上传文件；"
               "管理员：另可管理账号、删除文档、从导入目录导入文件夹、修改设置、查看操作日志。")
    if accounts:
        st.dataframe([{"账号": a.name, "角色": _role(a.role), "状态": "启用" if a.enabled else "已停用",
                       "最近登录": _when(a.last_login_at), "创建于": _when(a.created_at)} for a in accounts],
                     hide_index=True, width="stretch")
    else:
        st.info("还没有账号。局域网模式（kb serve --lan）需要账号登录：先新建一个管理员账号。")
    _new_account(kb)
    if accounts:
        _edit_account(kb, [a.name for a in accounts], {a.name: a for a in accounts})


# ---- the audit log ------------------------------------------------------------------------------
def audit_query(kb: KnowledgeBase) -> AuditQuery:
    c1, c2, c3, c4 = st.columns(4)
    actor = c1.selectbox("账号", [EVERYONE, *kb.audit.actors()], key="audit_actor")
    action = c2.selectbox("操作", [EVERYONE, *ACTIONS], key="audit_action",
                          format_func=lambda a: a if a == EVERYONE else ACTIONS[a].label)
    since = c3.date_input("起始日期", value=None, key="audit_since", format="YYYY-MM-DD")
    until = c4.date_input("截止日期", value=None, key="audit_until", format="YYYY-MM-DD")
    return AuditQuery(actor=None if actor == EVERYONE else actor, action=None if action == EVERYONE else action,
                      since=since.isoformat() if isinstance(since, date) else None,
                      until=until.isoformat() if isinstance(until, date) else None)


def audit_tab(kb: KnowledgeBase) -> None:
    st.caption("登录（成功与失败）、导入、删除、学习清单/计划/记录/账号的修改和导出，谁在何时对什么做了什么。"
               "日志只能追加，任何人都不能修改或删除。")
    query = audit_query(kb)
    entries = kb.audit.entries(query, limit=500)
    st.caption(f"最近 {len(entries)} 条" + ("（只显示最近 500 条，导出 CSV 可得全部）" if len(entries) == 500 else ""))
    if entries:
        st.dataframe([{"时间": _when(e.at), "账号": e.actor, "角色": _role(e.role),
                       "操作": ACTIONS[e.action].label if e.action in ACTIONS else e.action,
                       "对象": e.target or "", "结果": OUTCOME_LABELS.get(e.outcome, e.outcome),
                       "说明": e.detail or ""} for e in entries],
                     hide_index=True, width="stretch", height=min(38 + 35 * len(entries), 560), key="audit_table")
    st.download_button("导出 CSV", data=lambda: kb.audit.export_csv(query), file_name="操作日志.csv",
                       mime="text/csv", key="audit_csv", disabled=not entries)


# ---- import roots and the login policy ----------------------------------------------------------
def roots_tab(kb: KnowledgeBase) -> None:
    st.caption("局域网模式下，管理员只能从这些服务器文件夹（含子文件夹）导入资料；其他路径一律拒绝。"
               "本机模式和命令行不受此限制。")
    roots = kb.roots.all()
    for root in roots:
        left, right = st.columns([5, 1])
        left.code(root, language=None)
        if right.button("移除", key=f"root_remove_{root}"):
            if _act(kb, kb.roots.remove, root, done="已移除导入目录"):
                st.rerun()
    if not roots:
        st.info("还没有导入目录。")
    with st.form("root_add", clear_on_submit=True):
        path = st.text_input("添加导入目录（服务器上的文件夹绝对路径）", placeholder="/srv/学习资料")
        if st.form_submit_button("添加") and path.strip():
            _act(kb, kb.roots.add, path, done="已添加导入目录")
    classified_setting(kb)


CLASSIFIED = "admin_allow_classified"


def classified_setting(kb: KnowledgeBase) -> None:
    """Whether files marked 绝密/机密/秘密 on their first page are imported: off unless the deployment is on
    an approved network (the library checks the administrator's role again)."""
    st.subheader("涉密文件")
    allowed = kb.classified_allowed()
    st.caption("默认不导入首页标有“绝密”“机密”“秘密”（含★与保密期限）的文件：导入时拒绝并在报告中说明原因，其他文件照常导入。"
               "“内部资料”“注意保存”等标记不受影响，只在资料库中标出。")
    wanted = st.toggle("允许导入涉密文件（仅限部署在经批准的涉密网络上）", value=allowed, key=CLASSIFIED)
    if wanted != allowed:
        _act(kb, kb.allow_classified, wanted, done="已允许导入涉密文件" if wanted else "已恢复为不导入涉密文件")


def policy_tab(kb: KnowledgeBase) -> None:
    policy = kb.accounts.policy()
    with st.form("login_policy"):
        values = {}
        columns = st.columns(2)
        for i, (name, label) in enumerate(LoginPolicy.LABELS.items()):
            low, high = LoginPolicy.LIMITS[name]
            values[name] = int(columns[i % 2].number_input(label, low, high, getattr(policy, name), step=1))
        saved = st.form_submit_button("保存", type="primary")
    if saved:
        changed = {k: v for k, v in values.items() if v != getattr(policy, k)}
        if changed:
            _act(kb, kb.accounts.set_policy, done="已保存登录设置", **changed)


def render(kb: KnowledgeBase) -> None:
    st.title("系统管理")
    accounts, audit, roots, policy = st.tabs(["账号", "操作日志", "导入目录", "登录设置"])
    with accounts:
        accounts_tab(kb)
    with audit:
        audit_tab(kb)
    with roots:
        roots_tab(kb)
    with policy:
        policy_tab(kb)
