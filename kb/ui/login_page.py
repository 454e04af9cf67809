"""登录: the only page before a login in 局域网模式."""

from __future__ import annotations

import streamlit as st

from kb.library import KnowledgeBase
from kb.ui import common, session
from kb.ui.text import plain


def render(guest: KnowledgeBase) -> None:
    """The login form, over the knowledge base as a guest sees it (allowed only to log in)."""
    common.inject_css()
    session.sync_cookie(guest)  # clears the cookie after a logout
    st.title("学习资料库")
    st.caption("局域网模式：请用管理员为您创建的账号登录。")
    _, middle, _ = st.columns([1, 1.4, 1])
    with middle, st.form("login"):
        st.subheader("登录")
        name = st.text_input("账号", key="login_name", autocomplete="username")
        password = st.text_input("密码", type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button("登录", type="primary", width="stretch")
    if submitted:
        problem = session.log_in(guest, name, password)
        if problem:
            middle.error(plain(problem))
        else:
            st.rerun()
    middle.caption("忘记密码或账号被锁定，请联系管理员重置。")
