"""Who is using this browser session: the mode the server runs in, logging in and out.

本机模式 (scripts/start.sh, `kb serve`): the person at this computer, the local administrator, no login.
局域网模式 (`kb serve --lan`): a login; the browser keeps a random session token (in this Streamlit
session, and in a cookie so that reloading the page keeps the login), the knowledge base keeps its
hash and decides on every page view who it stands for (kb.accounts.resume) — an expired session, a
disabled account or a changed role take effect at once. The mode comes from an environment variable
only `kb serve` sets: nothing a browser sends can switch it.
"""

from __future__ import annotations

import os

import streamlit as st

from kb.commands.serve import ENV_MODE, LAN, is_loopback
from kb.errors import KBError
from kb.library import GUEST, LOCAL_ADMIN, Actor, KnowledgeBase

TOKEN = "_kb_session_token"
COOKIE = "kb_session"
_SET_COOKIE, _CLEAR_COOKIE = "_kb_set_cookie", "_kb_clear_cookie"


def lan() -> bool:
    """Whether the server runs in 局域网模式 (login required)."""
    return os.environ.get(ENV_MODE) == LAN


def local_address_ok() -> bool:
    """本机模式 must listen on this computer only: someone who runs `streamlit run app.py` by hand
    (which listens on every address unless told otherwise) gets a refusal, not an open database."""
    return is_loopback(st.get_option("server.address"))


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no request context (tests): no cookie
        return None
    return value if isinstance(value, str) and value else None


def client_address() -> str | None:
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context
        return None
    return address if isinstance(address, str) else None


def actor_for(base: KnowledgeBase) -> Actor | None:
    """Who this browser session acts for (None: nobody has logged in, or the session ended)."""
    if not lan():
        return LOCAL_ADMIN
    token = st.session_state.get(TOKEN) or _cookie_token()
    actor = base.accounts.resume(token) if token else None
    if actor is None:
        st.session_state.pop(TOKEN, None)
    else:
        st.session_state[TOKEN] = token
    return actor


def view(base: KnowledgeBase) -> KnowledgeBase | None:
    """The knowledge base as this browser session's person may use it (None: log in first)."""
    if not lan():
        return base
    actor = actor_for(base)
    return base.acting_as(actor) if actor else None


def log_in(kb: KnowledgeBase, name: str, password: str) -> str | None:
    """Try a login (on the guest's view); None when it worked, else the one line to show."""
    try:
        login = kb.acting_as(GUEST).accounts.login(name, password, client=client_address())
    except KBError as e:
        return str(e)
    st.session_state[TOKEN] = login.token
    st.session_state[_SET_COOKIE] = True
    return None


def log_out(kb: KnowledgeBase) -> None:
    kb.accounts.logout(st.session_state.pop(TOKEN, None) or _cookie_token())
    st.session_state[_CLEAR_COOKIE] = True


def token() -> str | None:
    """This browser session's token (to keep it when the person changes their password)."""
    return st.session_state.get(TOKEN)


def sync_cookie(kb: KnowledgeBase) -> None:
    """Set or clear the login cookie after a login or logout. The token is URL-safe base64 (no quote
    can end the script's string); the cookie is for this site only (SameSite=Strict) and lasts as
    long as a session may."""
    if st.session_state.pop(_SET_COOKIE, False) and token():
        age = kb.accounts.policy().session_hours * 3600
        _script(f"document.cookie = '{COOKIE}={token()}; path=/; max-age={age}; SameSite=Strict';")
    if st.session_state.pop(_CLEAR_COOKIE, False):
        _script(f"document.cookie = '{COOKIE}=; path=/; max-age=0; SameSite=Strict';")


def _script(code: str) -> None:
    with st.sidebar:
        st.html(f"<script>{code}</script>", unsafe_allow_javascript=True)
