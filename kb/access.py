"""Who acts, what each role may do, and the one place every change passes through: the guard.

Every mutating method of the facade and of its services is declared with `@mutation(action)` (logins
and exports with `@audited`, admin-only reads with `@restricted`), which runs it inside
`Guard.mutation(action, target)`. That one choke point, shared by the UI, the CLI and any later API:

1. checks the acting user's role against the action's rule (PermissionDenied, one Chinese line naming
   the role needed) — before waiting for anything;
2. takes the process's write lock for changes (one writer at a time inside a process; readers, logins,
   exports and imports — serialised by the import worker instead — never wait for it);
3. writes one audit row when the outermost audited action ends: who, when, what, which object, and
   how it ended (ok, denied, failed, error).

Nested actions (drafting a plan creates and fills reading lists) are each checked — a composite is
allowed only if every step is — but only the outermost is audited, its row naming the steps it took
("其中：新建学习清单 12 次…"): the log says what a person did, not how the program did it. A composite
whose permission differs from its steps' (an organiser's upload imports files, which on its own needs
an administrator) calls the unguarded internal step, not the public method.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import wraps
from types import MappingProxyType
from typing import Any, TypeVar

from kb.clock import now
from kb.errors import KBError, PermissionDenied
from kb.records import AuditEntry

log = logging.getLogger(__name__)

# Roles in rising order: each may do everything the ones before it may.
ROLES = ("member", "organiser", "admin")
ROLE_LABELS = {"guest": "访客", "member": "成员", "organiser": "组织者", "admin": "管理员"}
_RANK = {"guest": 0, "member": 1, "organiser": 2, "admin": 3}

CHANGE, RECORD, READ = "change", "record", "read"

# How an audited action ended.
OK, DENIED, FAILED, ERROR = "ok", "denied", "failed", "error"
OUTCOME_LABELS = {OK: "成功", DENIED: "拒绝", FAILED: "未成功", ERROR: "出错"}


@dataclass(frozen=True)
class Rule:
    """What an action needs: the least role allowed, and what kind of action it is:
    CHANGE — serialised with the other writers and audited; RECORD — audited, takes no lock (logins,
    exports); READ — checked only (the audit log, the account list)."""

    role: str
    label: str  # Chinese, for messages and the audit page
    kind: str = CHANGE
    # Whether the change takes the process's write lock. Imports do not: the import worker runs them
    # one at a time, each document is its own transaction, and an import of many minutes must not
    # hold up a reading-list edit (nor anything a search needs).
    serialised: bool = True


# The vocabulary of actions, for the permission check and the audit log.
ACTIONS: Mapping[str, Rule] = MappingProxyType({
    # any path for the local administrator, import roots for others
    "document.import": Rule("admin", "从文件夹导入", serialised=False),
    # files uploaded through the web UI, kept in <data>/uploads
    "document.upload": Rule("organiser", "上传文件导入", serialised=False),
    # encode the passages an interrupted import left searchable by keywords only (imports do it themselves)
    "document.vectors": Rule("organiser", "补算语义向量", serialised=False),
    "document.delete": Rule("admin", "删除文档"),
    "document.edit": Rule("organiser", "更正文档信息"),  # a date the import got wrong
    "list.create": Rule("organiser", "新建学习清单"),
    "list.edit": Rule("organiser", "编辑学习清单"),  # rename, describe, add, annotate, reorder or remove items
    "list.delete": Rule("organiser", "删除学习清单"),
    "plan.create": Rule("organiser", "新建学习计划"),
    "plan.edit": Rule("organiser", "编辑学习计划"),  # the main line, a month's theme/format/note/list, drafting
    "plan.delete": Rule("organiser", "删除学习计划"),
    "session.edit": Rule("organiser", "更正学习记录"),  # corrections to a session extracted from minutes
    "roster.edit": Rule("organiser", "编辑成员名册"),  # members, their other names, names to ignore
    "signin.edit": Rule("organiser", "登记签到"),  # 出席/请假/缺席 and lead speeches, over what minutes say
    "makeup.edit": Rule("organiser", "登记补学"),
    "output.edit": Rule("organiser", "登记学习成果"),  # attribute a study output, record its 成果转化
    "plan.completion": Rule("organiser", "更正计划完成情况"),  # which session held a plan month
    "assessment.rules": Rule("organiser", "修改考核规则"),
    "assessment.read": Rule("organiser", "查看考核结果", READ),  # everyone's; a member sees their own
    "settings": Rule("admin", "修改设置"),  # rebuild the indexes, import roots, the login policy
    "settings.read": Rule("admin", "查看设置", READ),  # the import roots (server paths)
    "settings.classified": Rule("admin", "设置是否允许导入涉密文件"),  # only on an approved (涉密) network
    "sync.folder": Rule("admin", "同步文件夹"),  # add, run or stop syncing a folder (server paths, like imports)
    "sync.remove": Rule("organiser", "处理已删除的同步文件"),  # remove (or keep) documents whose file is gone
    "database.copy": Rule("admin", "复制整个知识库"),  # fill a new, empty knowledge base with another (kb migrate)
    "database.backup": Rule("admin", "备份知识库", RECORD),  # a consistent copy into a new folder (kb backup)
    "database.restore": Rule("admin", "从备份恢复知识库"),  # the current database kept aside first (kb restore)
    "account.create": Rule("admin", "新建账号"),
    "account.edit": Rule("admin", "修改账号"),  # role, enabled
    "account.password": Rule("admin", "重置密码"),  # an administrator sets someone's password
    "account.own_password": Rule("member", "修改本人密码"),
    "account.read": Rule("admin", "查看账号列表", READ),
    "audit.read": Rule("admin", "查看操作日志", READ),
    "login": Rule("guest", "登录", RECORD),
    "logout": Rule("guest", "退出登录", RECORD),
    "export": Rule("member", "导出", RECORD),  # reading lists, plans, attendance, the audit log, assessments
})


@dataclass(frozen=True)
class Actor:
    """Who is acting: a name and a role. `local` is whoever can open the data directory (the CLI, the
    UI in 本机模式): folder imports are not confined to the import roots for them."""

    name: str
    role: str
    local: bool = False


# The person at the keyboard of a local install: the CLI, and the UI in 本机模式.
LOCAL_ADMIN = Actor("本机管理员", "admin", local=True)
# Nobody yet: the UI's knowledge base in 局域网模式 before a login, allowed only to log in.
GUEST = Actor("访客", "guest")


def rule_of(action: str) -> Rule:
    try:
        return ACTIONS[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}: add it to kb.access.ACTIONS") from None


def allowed(role: str, action: str) -> bool:
    """Whether `role` may perform `action`."""
    return _RANK.get(role, -1) >= _RANK[rule_of(action).role]


def denial(actor: Actor, action: str) -> str:
    """The one line telling `actor` why `action` is refused."""
    rule = rule_of(action)
    if actor.role == "guest":
        return f"请先登录：{rule.label}需要{ROLE_LABELS[rule.role]}权限"
    return (f"权限不足：{rule.label}需要{ROLE_LABELS[rule.role]}权限，当前账号（{actor.name}）是"
            f"{ROLE_LABELS.get(actor.role, actor.role)}：如需开通，请联系管理员")


@dataclass
class _Frame:
    """One action in progress on this thread."""

    action: str
    target: object
    notes: list[str] = field(default_factory=list)
    steps: Counter[str] = field(default_factory=Counter)  # nested actions, for the audit row
    actor: Actor | None = None  # who the row names, when not the guard's actor (a login names who tried)


AuditSink = Callable[[AuditEntry], None]


class Guard:
    """The choke point of every change made on behalf of one actor."""

    def __init__(self, actor: Actor, write_lock: threading.RLock, audit: AuditSink | None = None):
        self.actor = actor
        self._write_lock = write_lock
        self._audit = audit
        self._local = threading.local()

    def _frames(self) -> list[_Frame]:
        frames = getattr(self._local, "frames", None)
        if frames is None:
            frames = self._local.frames = []
        return frames

    @property
    def active(self) -> tuple[str, ...]:
        """The actions this thread is inside, outermost first (empty outside any mutation)."""
        return tuple(f.action for f in self._frames())

    def allows(self, action: str) -> bool:
        """Whether this guard's actor may perform `action` (the UI hides what it may not)."""
        return allowed(self.actor.role, action)

    def note(self, text: str | None = None, *, actor: Actor | None = None) -> None:
        """Add a line to the audit row of the action in progress (e.g. what an import did), or say
        whom the row names (a login names who tried, not the guest who asked)."""
        frames = self._frames()
        if not frames:
            return
        if text:
            frames[0].notes.append(text)
        if actor is not None:
            frames[0].actor = actor

    @contextmanager
    def mutation(self, action: str, target: object = None) -> Iterator[None]:
        """Run one action for this guard's actor: check the role, serialise changes with the other
        writers of this process (the lock is reentrant, so a change made of smaller changes enters it
        once per step), and audit the outermost action."""
        rule = rule_of(action)
        frames = self._frames()
        outermost = not frames
        if not self.allows(action):
            if outermost and rule.kind != READ:
                self._record(_Frame(action, target), DENIED, denial(self.actor, action))
            raise PermissionDenied(denial(self.actor, action))
        if not outermost and rule.kind != READ and action != frames[-1].action:
            frames[0].steps[action] += 1  # a step of another kind (drafting a plan creates lists)
        frame = _Frame(action, target)
        with self._write_lock if rule.kind == CHANGE and rule.serialised else nullcontext():
            frames.append(frame)
            outcome, problem = OK, None
            try:
                yield
            except PermissionDenied as e:
                outcome, problem = DENIED, str(e)
                raise
            except KBError as e:
                outcome, problem = FAILED, str(e)
                raise
            except BaseException as e:
                outcome, problem = ERROR, type(e).__name__
                raise
            finally:
                frames.pop()
                if outermost and rule.kind != READ:
                    self._record(frame, outcome, problem)

    def _record(self, frame: _Frame, outcome: str, problem: str | None) -> None:
        if self._audit is None:
            return
        who = frame.actor or self.actor
        lines = list(frame.notes)
        if frame.steps:
            lines.append("其中：" + "，".join(f"{ACTIONS[a].label} {n} 次" for a, n in frame.steps.items()))
        if problem:
            lines.append(problem)
        target = describe(frame.target)
        entry = AuditEntry(now(), who.name, who.role, frame.action, target, outcome, "；".join(lines) or None)
        try:
            self._audit(entry)
        except Exception:  # noqa: BLE001 - never mask the action's own outcome; the server log keeps it
            log.exception("could not write the audit row %s", entry)


def describe(target: object) -> str | None:
    """The object of an action as the audit log names it (a few of many paths, then how many)."""
    if target is None:
        return None
    if isinstance(target, list | tuple):
        shown = "、".join(str(t) for t in target[:3])
        return shown + (f" 等 {len(target)} 项" if len(target) > 3 else "")
    return str(target)


F = TypeVar("F", bound=Callable[..., Any])


Target = str | Callable[[Mapping[str, Any]], object] | None


def mutation(action: str, target: Target = None) -> Callable[[F], F]:
    """Declare a method as an action: calls run inside `self.guard.mutation(action, <target>)`, where
    <target> is the value of the method's parameter named `target` (e.g. the list's name), or what
    `target` computes from the call's arguments by name."""

    def decorate(method: F) -> F:
        signature = inspect.signature(method)

        def what_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> object:
            if target is None:
                return None
            bound = signature.bind(*args, **kwargs).arguments
            return target(bound) if callable(target) else bound.get(target)

        @wraps(method)
        def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            what = what_of((self, *args), kwargs)
            with self.guard.mutation(action, what):
                return method(self, *args, **kwargs)

        guarded.action = action  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


# The same declaration, named for what the action is: audited without being a change (a login, an
# export), or checked without being audited (a read only administrators may make).
audited = mutation
restricted = mutation
