"""我的账号: who is logged in, changing one's own password, logging out (局域网模式)."""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError
from kb.library import ROLE_LABELS, KnowledgeBase
from kb.ui import common, session
from kb.ui.text import plain

ROLE_CAN = {
    "member": "检索、浏览和阅读资料，查看并导出学习清单和学习计划，查看学习档案。",
    "organiser": "成员能做的一切，另可编辑学习清单、学习计划、更正学习记录、上传文件导入资料。",
    "admin": "组织者能做的一切，另可管理账号、删除文档、从导入目录导入文件夹、修改设置、查看操作日志。",
}


def _log_out(kb: KnowledgeBase) -> None:
    session.log_out(kb)


def render(kb: KnowledgeBase) -> None:
    st.title("我的账号")
    st.markdown(f"**{plain(kb.actor.name)}** · {ROLE_LABELS.get(kb.actor.role, '')}")
    st.caption(ROLE_CAN.get(kb.actor.role, ""))
    st.subheader("修改密码")
    with st.form("own_password", clear_on_submit=True):
        old = st.text_input("原密码", type="password", autocomplete="current-password")
        new = st.text_input("新密码（至少 8 个字符）", type="password", autocomplete="new-password")
        again = st.text_input("再输入一次新密码", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("修改密码", type="primary")
    if submitted:
        if new != again:
            st.error("两次输入的新密码不一致")
        else:
            try:
                kb.accounts.change_password(old, new, keep=session.token())
            except KBError as e:
                common.show_error(e, kb)
            else:
                st.success("密码已修改；您在其他地方的登录都已退出。")
    st.divider()
    st.button("退出登录", key="logout", on_click=_log_out, args=(kb,))
