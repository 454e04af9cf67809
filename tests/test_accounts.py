"""Accounts and logins: argon2 hashes only, password rules, lock-out by the name typed, sessions that
expire (idle and absolute), disabling, role changes taking effect at once, one's own password, the
last administrator kept, and every login audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher

from kb.access import GUEST, Actor
from kb.errors import InvalidInput, LoginFailed, NotFound
from kb.library import KnowledgeBase

PASSWORD = "correct-horse-1"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def kb(kb_location, fake_encoder):
    with KnowledgeBase(kb_location, encoder=fake_encoder) as kb:
        yield kb


@pytest.fixture
def clock(kb) -> Clock:
    """The guest's view (logging in) and the administrator's share this clock."""
    clock = Clock()
    kb.accounts.clock = clock
    return clock


def guest(kb: KnowledgeBase, clock: Clock) -> KnowledgeBase:
    view = kb.acting_as(GUEST)
    view.accounts.clock = clock
    return view


def test_only_an_argon2_hash_is_stored_and_it_verifies(kb):
    kb.accounts.add("张三", "member", PASSWORD)
    row = kb.store.accounts.get("张三")
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert PasswordHasher().verify(row.password_hash, PASSWORD)
    dump = "\n".join(str(tuple(r)) for table in ("accounts", "audit_log", "login_failures", "meta")
                     for r in kb.store.backend.fetch_all(f"SELECT * FROM {table}"))
    assert PASSWORD not in dump  # nor in the audit log or anywhere else
    assert [(a.name, a.role, a.enabled) for a in kb.accounts.all()] == [("张三", "member", True)]
    assert not hasattr(kb.accounts.all()[0], "password_hash")


@pytest.mark.parametrize(("name", "password", "problem"), [
    ("张三", "short", "至少 8 个字符"),
    ("张三", "a" * 300, "最多"),
    ("张三", "        ", "太简单"),
    ("张三", "xxxxxxxxxx", "太简单"),
    ("password1", "password1", "太简单"),
    ("有 空格", PASSWORD, "账号名"),
    ("", PASSWORD, "账号名"),
    ("本机管理员", PASSWORD, "保留"),
])
def test_bad_names_and_passwords_are_refused(kb, name, password, problem):
    with pytest.raises(InvalidInput, match=problem):
        kb.accounts.add(name, "member", password)
    assert kb.accounts.all() == []


def test_an_unknown_role_and_a_taken_name_are_refused(kb):
    with pytest.raises(InvalidInput, match="角色 boss 无效"):
        kb.accounts.add("张三", "boss", PASSWORD)
    kb.accounts.add("张三", "member", PASSWORD)
    with pytest.raises(InvalidInput, match="已有名为“张三”的账号"):
        kb.accounts.add("张三", "admin", PASSWORD)


def test_login_gives_a_token_whose_hash_alone_is_stored(kb, clock):
    kb.accounts.add("张三", "organiser", PASSWORD)
    login = guest(kb, clock).accounts.login(" 张三 ", PASSWORD, client="192.168.1.20")
    assert login.actor == Actor("张三", "organiser") and len(login.token) >= 40
    stored = kb.store.backend.fetch_column("SELECT token_hash FROM login_sessions")
    assert len(stored) == 1 and login.token not in stored[0]
    assert kb.accounts.resume(login.token) == Actor("张三", "organiser")
    assert kb.accounts.resume("forged-token") is None and kb.accounts.resume(None) is None
    row = kb.audit.entries()[0]
    assert (row.actor, row.role, row.action, row.outcome) == ("张三", "organiser", "login", "ok")
    assert "192.168.1.20" in row.detail
    assert kb.accounts.all()[0].last_login_at == "2025-03-01T09:00:00"


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(kb, clock):
    kb.accounts.add("张三", "member", PASSWORD)
    view = guest(kb, clock)
    with pytest.raises(LoginFailed) as wrong:
        view.accounts.login("张三", "not-the-password")
    with pytest.raises(LoginFailed) as unknown:
        view.accounts.login("李四", "not-the-password")
    assert str(wrong.value) == str(unknown.value) == "账号或密码不正确"
    rows = kb.audit.entries()[:2]
    assert [(r.actor, r.action, r.outcome) for r in rows] == [("李四", "login", "failed"), ("张三", "login", "failed")]
    assert all("not-the-password" not in (r.detail or "") for r in rows)


def test_lock_out_after_repeated_failures_then_unlock_by_time_or_reset(kb, clock):
    kb.accounts.add("张三", "member", PASSWORD)
    kb.accounts.set_policy(max_failures=3, lockout_minutes=10)
    view = guest(kb, clock)
    for _ in range(2):
        with pytest.raises(LoginFailed, match="账号或密码不正确"):
            view.accounts.login("张三", "wrong-password")
    with pytest.raises(LoginFailed, match="连续 3 次输错密码，该账号已锁定 10 分钟"):
        view.accounts.login("张三", "wrong-password")
    clock.advance(minutes=4)
    with pytest.raises(LoginFailed, match="已暂时锁定：请 6 分钟后再试"):
        view.accounts.login("张三", PASSWORD)  # even the right password, while locked
    clock.advance(minutes=6, seconds=1)
    assert view.accounts.login("张三", PASSWORD).actor.name == "张三"
    # Locked again, then an administrator's reset lifts it at once.
    for _ in range(3):
        with pytest.raises(LoginFailed):
            view.accounts.login("张三", "wrong-password")
    kb.accounts.reset_password("张三", "a-new-password-2")
    assert view.accounts.login("张三", "a-new-password-2").actor.name == "张三"


def test_a_name_no_account_has_locks_the_same_way(kb, clock):
    """So a lock-out says nothing about which names exist."""
    kb.accounts.set_policy(max_failures=2, lockout_minutes=5)
    view = guest(kb, clock)
    with pytest.raises(LoginFailed, match="账号或密码不正确"):
        view.accounts.login("无此人", "wrong-password")
    with pytest.raises(LoginFailed, match="连续 2 次输错密码，该账号已锁定 5 分钟"):
        view.accounts.login("无此人", "wrong-password")
    with pytest.raises(LoginFailed, match="已暂时锁定"):
        view.accounts.login("无此人", "wrong-password")


def test_a_session_ends_when_idle_or_too_old(kb, clock):
    kb.accounts.add("张三", "member", PASSWORD)
    kb.accounts.set_policy(idle_minutes=30, session_hours=2)
    view = guest(kb, clock)
    idle = view.accounts.login("张三", PASSWORD).token
    clock.advance(minutes=29)
    assert kb.accounts.resume(idle) is not None  # used: its idle time starts again
    clock.advance(minutes=29)
    assert kb.accounts.resume(idle) is not None
    clock.advance(minutes=31)
    assert kb.accounts.resume(idle) is None
    assert kb.accounts.resume(idle) is None  # and it is gone from the store
    busy = view.accounts.login("张三", PASSWORD).token
    for _ in range(4):  # used every 25 minutes, but a session lasts 2 hours at most
        clock.advance(minutes=25)
        assert kb.accounts.resume(busy) is not None
    clock.advance(minutes=25)
    assert kb.accounts.resume(busy) is None


def test_disabling_ends_sessions_and_refuses_logins_and_a_role_change_applies_at_once(kb, clock):
    kb.accounts.add("管理员", "admin", PASSWORD)
    kb.accounts.add("张三", "member", PASSWORD)
    view = guest(kb, clock)
    token = view.accounts.login("张三", PASSWORD).token
    kb.accounts.set_role("张三", "organiser")
    assert kb.accounts.resume(token) == Actor("张三", "organiser")
    kb.accounts.set_enabled("张三", False)
    assert kb.accounts.resume(token) is None
    with pytest.raises(LoginFailed, match="该账号已停用"):
        view.accounts.login("张三", PASSWORD)
    kb.accounts.set_enabled("张三", True)
    assert view.accounts.login("张三", PASSWORD).actor.role == "organiser"
    rows = [(r.action, r.target, r.detail) for r in kb.audit.entries() if r.action == "account.edit"]
    assert rows == [("account.edit", "张三", "启用"), ("account.edit", "张三", "停用"),
                    ("account.edit", "张三", "角色：成员 → 组织者")]


def test_the_last_enabled_administrator_stays(kb):
    kb.accounts.add("管理员", "admin", PASSWORD)
    with pytest.raises(InvalidInput, match="至少要保留一个启用的管理员账号"):
        kb.accounts.set_enabled("管理员", False)
    with pytest.raises(InvalidInput, match="至少要保留一个启用的管理员账号"):
        kb.accounts.set_role("管理员", "member")
    kb.accounts.add("副管理员", "admin", PASSWORD)
    kb.accounts.set_role("管理员", "member")
    assert kb.accounts.has_admin()
    with pytest.raises(NotFound, match="没有名为“无此人”的账号"):
        kb.accounts.set_role("无此人", "member")


def test_a_person_changes_their_own_password_and_their_other_sessions_end(kb, clock):
    kb.accounts.add("张三", "member", PASSWORD)
    view = guest(kb, clock)
    here = view.accounts.login("张三", PASSWORD).token
    elsewhere = view.accounts.login("张三", PASSWORD).token
    me = kb.acting_as(Actor("张三", "member"))
    with pytest.raises(InvalidInput, match="原密码不正确"):
        me.accounts.change_password("wrong-password", "another-pass-2")
    with pytest.raises(InvalidInput, match="至少 8 个字符"):
        me.accounts.change_password(PASSWORD, "short")
    me.accounts.change_password(PASSWORD, "another-pass-2", keep=here)
    assert kb.accounts.resume(here) is not None and kb.accounts.resume(elsewhere) is None
    with pytest.raises(LoginFailed):
        view.accounts.login("张三", PASSWORD)
    assert view.accounts.login("张三", "another-pass-2").actor.name == "张三"
    with pytest.raises(InvalidInput, match="本机管理员没有账号密码"):
        kb.accounts.change_password("x", "another-pass-3")


def test_logout_ends_the_session(kb, clock):
    kb.accounts.add("张三", "member", PASSWORD)
    token = guest(kb, clock).accounts.login("张三", PASSWORD).token
    me = kb.acting_as(Actor("张三", "member"))
    me.accounts.logout(token)
    assert kb.accounts.resume(token) is None
    assert (kb.audit.entries()[0].actor, kb.audit.entries()[0].action) == ("张三", "logout")


def test_the_login_policy_is_stored_and_checked(kb, kb_location, fake_encoder):
    with pytest.raises(InvalidInput, match="锁定分钟数应为 1 到 1440 之间的整数"):
        kb.accounts.set_policy(lockout_minutes=0)
    with pytest.raises(InvalidInput, match="没有这些登录设置"):
        kb.accounts.set_policy(colour=1)
    kb.accounts.set_policy(max_failures=7)
    kb.close()
    with KnowledgeBase(kb_location, encoder=fake_encoder) as again:
        assert again.accounts.policy().max_failures == 7 and again.accounts.policy().lockout_minutes == 15
