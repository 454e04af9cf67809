"""Accounts, passwords and login sessions (kb.accounts): who may use the shared knowledge base.

Passwords are hashed with argon2 (argon2-cffi's PasswordHasher, its RFC 9106 defaults) and never kept
or logged in clear. A login hands the browser a random token; the store keeps only the token's
SHA-256 (a stolen database holds no usable session) and ends a session after `idle_minutes` unused or
`session_hours` after the login. Wrong passwords are counted by the name typed, whether or not an
account has it, and lock that name for `lockout_minutes` after `max_failures` in a row — the same
message either way, so a lock-out tells nobody which names exist. Every change is an action under the
guard (administrators only, but for a person's own password); a login and a logout are audited.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kb.access import GUEST, LOCAL_ADMIN, ROLE_LABELS, ROLES, Actor, Guard, audited, mutation, restricted
from kb.clock import stamp
from kb.errors import Conflict, InvalidInput, LoginFailed, NotFound
from kb.records import Account, LoginPolicy

if TYPE_CHECKING:
    from kb.store import Store
    from kb.store.accounts import AccountRow

POLICY_KEY = "login_policy"  # meta key of the stored LoginPolicy (JSON)
MIN_PASSWORD, MAX_PASSWORD = 8, 256  # an upper bound keeps hashing a pasted novel from tying up the server
_NAME = re.compile(r"[\w.@·\-]{1,32}")  # \w takes Chinese characters too
_RESERVED = {LOCAL_ADMIN.name, GUEST.name}
_TOUCH_EVERY = timedelta(minutes=1)  # a session's last use is written at most this often


@dataclass(frozen=True)
class Login:
    """A successful login: the token the browser keeps, and who it acts for."""

    token: str
    actor: Actor


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _decoy_hash() -> str:
    """A hash to verify against when no account has the name, so both answers take as long."""
    return _hasher().hash(secrets.token_hex(16))


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.fullmatch(name):
        raise InvalidInput("账号名应为 1 到 32 个汉字、字母、数字或 . _ - @ ·，不含空格")
    if name in _RESERVED:
        raise InvalidInput(f"“{name}”是系统保留的名称，请换一个账号名")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"角色 {role} 无效，可选：{'、'.join(f'{r}（{ROLE_LABELS[r]}）' for r in ROLES)}")
    return role


def check_password(password: str, name: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD} 个字符")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"密码最多 {MAX_PASSWORD} 个字符")
    if not password.strip() or password.strip() == name or len(set(password)) == 1:
        raise InvalidInput("密码太简单：不能与账号名相同，也不能全是同一个字符")
    return password


class Accounts:
    """Accounts, roles, passwords, logins and the login policy (kb.accounts)."""

    def __init__(self, store: Store, guard: Guard, clock: Callable[[], datetime] = datetime.now):
        self.store = store
        self.guard = guard
        self.clock = clock  # tests move time forward to expire sessions and lock-outs

    # ---- reading --------------------------------------------------------------------------------
    @restricted("account.read")
    def all(self) -> list[Account]:
        """Every account, by name (administrators only)."""
        return self.store.accounts.all()

    def has_admin(self) -> bool:
        """Whether an enabled administrator account exists (serving the network needs one)."""
        return self.store.accounts.count_enabled("admin") > 0

    def policy(self) -> LoginPolicy:
        raw = self.store.meta.get(POLICY_KEY)
        if not raw:
            return LoginPolicy()
        known = {f.name for f in fields(LoginPolicy)}
        return LoginPolicy(**{k: v for k, v in json.loads(raw).items() if k in known})

    def _row(self, name: str) -> AccountRow:
        row = self.store.accounts.get(name)
        if row is None:
            raise NotFound(f"没有名为“{name}”的账号：用 kb user-list 查看已有账号")
        return row

    # ---- changing accounts (administrators) -----------------------------------------------------
    @mutation("account.create", target="name")
    def add(self, name: str, role: str, password: str) -> Account:
        name = check_name(name)
        check_role(role)
        digest = _hasher().hash(check_password(password, name))
        try:
            with self.store.transaction():
                self.store.accounts.create(name, role, digest, stamp(self.clock()))
        except Conflict:
            raise InvalidInput(f"已有名为“{name}”的账号，请换一个账号名") from None
        self.guard.note(f"角色：{ROLE_LABELS[role]}")
        return self._row(name).account

    @mutation("account.edit", target="name")
    def set_role(self, name: str, role: str) -> Account:
        """Change a role; it applies from the account's next page view."""
        row = self._row(name)
        check_role(role)
        with self.store.transaction():
            if row.account.role == "admin" and role != "admin" and row.account.enabled:
                self._keep_an_admin()
            self.store.accounts.set_role(name, role, stamp(self.clock()))
        self.guard.note(f"角色：{ROLE_LABELS[row.account.role]} → {ROLE_LABELS[role]}")
        return self._row(name).account

    @mutation("account.edit", target="name")
    def set_enabled(self, name: str, enabled: bool) -> Account:
        """Disable (ending its sessions) or enable an account."""
        row = self._row(name)
        with self.store.transaction():
            if not enabled and row.account.role == "admin" and row.account.enabled:
                self._keep_an_admin()
            self.store.accounts.set_enabled(name, enabled, stamp(self.clock()))
            if not enabled:
                self.store.logins.close_all_of(name)
        self.guard.note("启用" if enabled else "停用")
        return self._row(name).account

    def _keep_an_admin(self) -> None:
        if self.store.accounts.count_enabled("admin") <= 1:
            raise InvalidInput("至少要保留一个启用的管理员账号：请先为另一个账号设置管理员角色")

    @mutation("account.password", target="name")
    def reset_password(self, name: str, password: str) -> None:
        """Set someone's password (and lift a lock-out); their sessions end."""
        self._row(name)
        digest = _hasher().hash(check_password(password, name))
        with self.store.transaction():
            self.store.accounts.set_password_hash(name, digest, stamp(self.clock()))
            self.store.accounts.clear_failures(name)
            self.store.logins.close_all_of(name)

    # ---- one's own password ---------------------------------------------------------------------
    @mutation("account.own_password")
    def change_password(self, old: str, new: str, *, keep: str | None = None) -> None:
        """The acting person changes their own password; their other sessions (all but the token
        `keep`) end."""
        name = self.guard.actor.name
        row = self.store.accounts.get(name)
        if row is None:
            raise InvalidInput("本机管理员没有账号密码：请用 kb user-passwd 设置账号的密码")
        if not self._verify(row.password_hash, old):
            raise InvalidInput("原密码不正确")
        if new == old:
            raise InvalidInput("新密码不能与原密码相同")
        digest = _hasher().hash(check_password(new, name))
        with self.store.transaction():
            self.store.accounts.set_password_hash(name, digest, stamp(self.clock()))
            self.store.logins.close_all_of(name, keep=token_hash(keep) if keep else None)

    # ---- settings -------------------------------------------------------------------------------
    @mutation("settings")
    def set_policy(self, **changes: int) -> LoginPolicy:
        """Change the login policy (max_failures, lockout_minutes, idle_minutes, session_hours)."""
        unknown = set(changes) - {f.name for f in fields(LoginPolicy)}
        if unknown:
            raise InvalidInput(f"没有这些登录设置：{'、'.join(sorted(unknown))}")
        policy = replace(self.policy(), **changes).checked()
        with self.store.transaction():
            self.store.meta.set(POLICY_KEY, json.dumps(asdict(policy)))
        self.guard.note("；".join(f"{LoginPolicy.LABELS[k]}={v}" for k, v in changes.items()))
        return policy

    # ---- logging in and out ---------------------------------------------------------------------
    def _verify(self, digest: str, password: str) -> bool:
        try:
            return _hasher().verify(digest, password)
        except (VerificationError, InvalidHashError):
            return False

    @audited("login", target="name")
    def login(self, name: str, password: str, *, client: str | None = None) -> Login:
        """Check a name and password; a new session's token, or LoginFailed (one line for the person)."""
        name = (name or "").strip()[:64]
        policy = self.policy()
        now = self.clock()
        row = self.store.accounts.get(name) if name else None
        self.guard.note(f"来自 {client}" if client else None,
                        actor=Actor(name or "（未填写）", row.account.role if row else "guest"))
        locked = self.store.accounts.locked_until(name)
        if locked and locked > stamp(now):
            wait = math.ceil((datetime.fromisoformat(locked) - now).total_seconds() / 60)
            raise LoginFailed(f"该账号因连续输错密码已暂时锁定：请 {wait} 分钟后再试，或请管理员重置密码")
        if not self._verify(row.password_hash if row else _decoy_hash(), password or "") or row is None:
            with self.store.transaction():
                left = self.store.accounts.count_failure(
                    name, policy.max_failures, stamp(now + timedelta(minutes=policy.lockout_minutes)))
            if left == 0:
                raise LoginFailed(f"连续 {policy.max_failures} 次输错密码，该账号已锁定 {policy.lockout_minutes} 分钟："
                                  "请稍后再试，或请管理员重置密码")
            raise LoginFailed("账号或密码不正确")
        if not row.account.enabled:
            raise LoginFailed("该账号已停用：请联系管理员")
        token = secrets.token_urlsafe(32)
        with self.store.transaction():
            self.store.accounts.clear_failures(name)
            if _hasher().check_needs_rehash(row.password_hash):
                self.store.accounts.set_password_hash(name, _hasher().hash(password), stamp(now))
            self.store.logins.purge(stamp(now - timedelta(minutes=policy.idle_minutes)),
                                    stamp(now - timedelta(hours=policy.session_hours)))
            self.store.logins.open(token_hash(token), name, stamp(now))
            self.store.accounts.logged_in(name, stamp(now))
        return Login(token, Actor(name, row.account.role))

    def resume(self, token: str | None) -> Actor | None:
        """Who a session token acts for now (its account's current role), or None when the session
        does not exist, has expired or its account was disabled.

        Not an action: it runs on every page view and changes nothing a person sees; it only ends an
        expired session and notes when the session was last used (at most once a minute)."""
        if not token:
            return None
        digest = token_hash(token)
        row = self.store.logins.get(digest)
        if row is None:
            return None
        policy = self.policy()
        now = self.clock()
        last_seen = datetime.fromisoformat(row.last_seen_at)
        if (not row.enabled or now - last_seen > timedelta(minutes=policy.idle_minutes)
                or now - datetime.fromisoformat(row.created_at) > timedelta(hours=policy.session_hours)):
            self.store.logins.close(digest)
            return None
        if now - last_seen >= _TOUCH_EVERY:
            self.store.logins.touch(digest, stamp(now))
        return Actor(row.name, row.role)

    @audited("logout")
    def logout(self, token: str | None) -> None:
        if token:
            self.store.logins.close(token_hash(token))
