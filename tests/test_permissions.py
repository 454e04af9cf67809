"""The role × action matrix: every action of the vocabulary, performed through the library by a guest,
a member, an organiser and an administrator — allowed or refused with one line naming the role
needed, an audit row either way, nothing changed when refused. Driven from kb.access.ACTIONS: a new
action fails test_the_matrix_covers_every_action until its expected role and a way to perform it are
written here."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus

from kb import maintenance
from kb.access import ACTIONS, GUEST, LOCAL_ADMIN, READ, ROLE_LABELS, ROLES, Actor, allowed
from kb.errors import PermissionDenied
from kb.library import KnowledgeBase
from kb.store import open_store

# What the issue asks, written out by hand (not read from kb.access): the least role for each action.
LEAST_ROLE = {
    "document.import": "admin", "document.upload": "organiser", "document.delete": "admin",
    "document.edit": "organiser",
    "document.vectors": "organiser",
    "list.create": "organiser", "list.edit": "organiser", "list.delete": "organiser",
    "plan.create": "organiser", "plan.edit": "organiser", "plan.delete": "organiser",
    "session.edit": "organiser", "settings": "admin", "settings.read": "admin", "database.copy": "admin",
    "database.backup": "admin", "database.restore": "admin",
    "settings.classified": "admin", "sync.folder": "admin", "sync.remove": "organiser",
    "account.create": "admin", "account.edit": "admin", "account.password": "admin", "account.read": "admin",
    "account.own_password": "member", "audit.read": "admin",
    "login": "guest", "logout": "guest", "export": "member",
    "roster.edit": "organiser", "signin.edit": "organiser", "makeup.edit": "organiser", "output.edit": "organiser",
    "plan.completion": "organiser", "assessment.rules": "organiser", "assessment.read": "organiser",
}
PEOPLE = {"guest": GUEST, **{role: Actor(f"{ROLE_LABELS[role]}甲", role) for role in ROLES}}
RANK = ["guest", *ROLES]


@dataclass
class World:
    """A knowledge base with documents, an import root, a list, a plan, a minutes document and an
    account for each role, plus what each action needs made fresh."""

    kb: KnowledgeBase
    root: Path
    minutes: str
    output: str  # a study output's document
    locations: object  # where fresh knowledge bases are made (the backend under test)
    source: Path  # a small knowledge base to copy from
    passwords: dict[str, str] = field(default_factory=dict)
    opened: list[KnowledgeBase] = field(default_factory=list)
    counter: itertools.count = field(default_factory=itertools.count)

    def n(self) -> int:
        return next(self.counter)

    def fresh_document(self) -> str:
        n = self.n()
        path = self.root.parent / f"待删{n}.txt"
        path.write_text(f"待删除的材料第{n}份\n\n关于作风建设的第{n}篇学习材料。", encoding="utf-8")
        return self.kb.ingest([path]).added[0].doc_id

    def fresh_gone(self) -> str:
        """A document of the synced import root whose file was then deleted (listed for removal)."""
        n = self.n()
        path = self.root / f"将删{n}.txt"
        path.write_text(f"同步后删除的材料第{n}份\n\n关于调查研究的第{n}篇学习材料。", encoding="utf-8")
        self.kb.sync.run(self.root)
        doc_id = self.kb.document(path.name).id
        path.unlink()
        self.kb.sync.run(self.root)
        return doc_id

    def fresh_list(self) -> str:
        name = f"待删清单{self.n()}"
        self.kb.lists.create(name)
        return name

    def fresh_plan(self) -> int:
        year = 2500 + self.n()
        self.kb.plans.create(year)
        return year

    def fresh_token(self) -> str:
        return self.kb.accounts.login("登录者", "login-pass-1").token

    def fresh_empty(self) -> KnowledgeBase:
        self.opened.append(KnowledgeBase(self.locations.new("empty"), encoder=FakeEncoder()))
        return self.opened[-1]


def _own_password(view: KnowledgeBase, w: World) -> Callable[[], object]:
    name = view.actor.name
    old = w.passwords.get(name, "not-an-account")
    new = f"{name}-pass-{w.n()}"

    def change() -> None:
        view.accounts.change_password(old, new)
        w.passwords[name] = new

    return change


def _copy(view: KnowledgeBase, w: World) -> tuple[Callable[[], object], KnowledgeBase]:
    """Copying needs an empty knowledge base: the action (and its audit row) lands in a fresh one."""
    target = w.fresh_empty()
    return (lambda: target.acting_as(view.actor).copy_from(w.source)), target


def _restore(view: KnowledgeBase, w: World) -> tuple[Callable[[], object], KnowledgeBase]:
    """Restoring replaces a whole knowledge base: the action lands in a fresh data folder, from the
    backup of an empty one (so the audit log it ends with holds the restore's row alone)."""
    backup = w.root.parent / "恢复用的备份"
    if not backup.exists():
        with KnowledgeBase(w.root.parent / "空知识库", encoder=FakeEncoder()) as empty:
            maintenance.backup(empty.store, empty.data_dir, backup)  # below the guard: no audit row of its own
    target = KnowledgeBase(w.root.parent / f"恢复{w.n()}", encoder=FakeEncoder())
    w.opened.append(target)
    return (lambda: target.acting_as(view.actor).restore(backup)), target


# action -> (view, world) -> the call that performs it (anything it needs made is made first, as the
# local administrator, before the call is returned), or (the call, the knowledge base it acts on)
# when that is not the world's.
PERFORM: dict[str, Callable[[KnowledgeBase, World], object]] = {
    "document.import": lambda v, w: lambda: v.ingest([w.root]),
    "document.upload": lambda v, w: (lambda n: lambda: v.upload([(f"上传{n}.txt", f"上传的学习材料{n}。".encode())]))(
        w.n()),
    "document.delete": lambda v, w: (lambda doc: lambda: v.delete(doc))(w.fresh_document()),
    "document.vectors": lambda v, w: lambda: v.complete_vectors(),
    "document.edit": lambda v, w: (lambda doc: lambda: v.set_date(doc, "2024-03"))(w.fresh_document()),
    "list.create": lambda v, w: (lambda n: lambda: v.lists.create(f"新清单{n}"))(w.n()),
    "list.edit": lambda v, w: (lambda n: lambda: v.lists.update("共用清单", description=f"说明{n}"))(w.n()),
    "list.delete": lambda v, w: (lambda name: lambda: v.lists.delete(name))(w.fresh_list()),
    "plan.create": lambda v, w: (lambda n: lambda: v.plans.create(2100 + n))(w.n()),
    "plan.edit": lambda v, w: (lambda n: lambda: v.plans.update(2031, main_line=f"主线{n}"))(w.n()),
    "plan.delete": lambda v, w: (lambda year: lambda: v.plans.delete(year))(w.fresh_plan()),
    "session.edit": lambda v, w: (lambda n: lambda: v.archive.edit_session(w.minutes, host=f"主持人{n}"))(w.n()),
    "settings": lambda v, w: (lambda n: lambda: v.accounts.set_policy(idle_minutes=60 + n))(w.n()),
    "settings.read": lambda v, w: lambda: v.roots.all(),
    "settings.classified": lambda v, w: (lambda n: lambda: v.allow_classified(n % 2 == 0))(w.n()),
    "sync.folder": lambda v, w: lambda: v.sync.run(w.root),
    "sync.remove": lambda v, w: (lambda doc: lambda: v.sync.remove_gone(w.root, [doc]))(w.fresh_gone()),
    "account.create": lambda v, w: (lambda n: lambda: v.accounts.add(f"新人{n}", "member", "new-person-1"))(w.n()),
    "account.edit": lambda v, w: (lambda n: lambda: v.accounts.set_role("受试者", ROLES[n % 2]))(w.n()),
    "account.password": lambda v, w: (lambda n: lambda: v.accounts.reset_password("受试者", f"reset-pass-{n}"))(
        w.n()),
    "account.own_password": _own_password,
    "account.read": lambda v, w: lambda: v.accounts.all(),
    "audit.read": lambda v, w: lambda: v.audit.entries(),
    "login": lambda v, w: lambda: v.accounts.login("登录者", "login-pass-1"),
    "logout": lambda v, w: (lambda token: lambda: v.accounts.logout(token))(w.fresh_token()),
    "export": lambda v, w: lambda: v.lists.export("共用清单", "md"),
    "database.copy": _copy,
    "roster.edit": lambda v, w: (lambda n: lambda: v.roster.update_member("成员甲", post=f"职务{n}"))(w.n()),
    "signin.edit": lambda v, w: (lambda n: lambda: v.roster.sign(w.minutes, "成员甲", status=("请假", "缺席")[n % 2]))(
        w.n()),
    "makeup.edit": lambda v, w: (
        lambda n: lambda: v.roster.record_makeup(w.minutes, "成员乙", date=f"{2100 + n}-01-01"))(w.n()),
    "output.edit": lambda v, w: (lambda n: lambda: v.outputs.attribute(w.output, type="心得体会", member="成员甲",
                                                                       year=2000 + n))(w.n()),
    "plan.completion": lambda v, w: (lambda n: lambda: v.assessment.set_held(2031, 1, None, reset=n % 2 == 0))(w.n()),
    "assessment.rules": lambda v, w: (lambda n: lambda: v.assessment.set_rules(min_outputs=n % 5))(w.n()),
    "assessment.read": lambda v, w: lambda: v.assessment.group(2031),
    "database.backup": lambda v, w: (lambda n: lambda: v.backup(w.root.parent / f"备份{n}"))(w.n()),
    "database.restore": _restore,
}


@pytest.fixture(scope="module")
def world(module_store_locations, tmp_path_factory) -> World:
    base = tmp_path_factory.mktemp("matrix")
    corpus = write_corpus(base / "docs")
    root = base / "导入目录"
    root.mkdir()
    (root / "学习材料.txt").write_text("导入目录中的学习材料\n\n坚持问题导向，推动理论学习走深走实。", encoding="utf-8")
    kb = KnowledgeBase(module_store_locations.new(), encoder=FakeEncoder())
    kb.ingest([corpus["lianzheng"].parent])
    kb.roots.add(root)
    kb.sync.add(root)
    kb.lists.create("共用清单", topic="党风廉政建设")
    kb.plans.create(2031, "主线", themes=["党风廉政建设"])
    kb.roster.add_member("成员甲")
    kb.roster.add_member("成员乙")
    output = base / "心得.txt"
    output.write_text("学习心得\n\n参加集体学习后的体会。", encoding="utf-8")
    output_id = kb.ingest([output], kind="output").added[0].doc_id
    source = base / "source"  # written below the guard, so that it has no audit row of its own to copy
    small = open_store(source)
    with small.transaction():
        small.lists.create("复制来的清单", None, None)
    small.close()
    w = World(kb, root, next(d.id for d in kb.documents() if d.kind == "minutes"), output_id, module_store_locations,
              source)
    kb.roster.sign(w.minutes, "成员乙", status="缺席")  # so that a make-up may be recorded
    for role, person in PEOPLE.items():
        if role != "guest":
            w.passwords[person.name] = f"{role}-pass-0"
            kb.accounts.add(person.name, role, w.passwords[person.name])
    kb.accounts.add("受试者", "member", "subject-pass-1")
    kb.accounts.add("登录者", "member", "login-pass-1")
    yield w
    for opened in [*w.opened, kb]:
        opened.close()


def state(kb: KnowledgeBase) -> dict:
    """Every row of every table but the audit log (vectors: how many), to show that a refused action
    changed nothing."""
    db = kb.store.backend
    return {table: db.fetch_value(f"SELECT count(*) FROM {table}") if table == "embeddings" else
            sorted(tuple(str(v) for v in dict(row).values()) for row in db.fetch_all(f"SELECT * FROM {table}"))
            for table in kb.store.tables() if table != "audit_log"}


def test_the_matrix_covers_every_action():
    assert set(LEAST_ROLE) == set(ACTIONS) == set(PERFORM)
    for action, role in LEAST_ROLE.items():
        assert ACTIONS[action].role == role, action


@pytest.mark.parametrize("role", RANK)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_role_and_action(world, action, role):
    person = PEOPLE[role]
    view = world.kb.acting_as(person)
    call = PERFORM[action](view, world)
    call, kb = call if isinstance(call, tuple) else (call, world.kb)
    before, rows = state(kb), kb.store.audit.count()
    expected = RANK.index(role) >= RANK.index(LEAST_ROLE[action])
    assert view.can(action) == expected
    if expected:
        call()
        outcome = "ok"
    else:
        with pytest.raises(PermissionDenied) as refused:
            call()
        message = str(refused.value)
        assert f"需要{ROLE_LABELS[LEAST_ROLE[action]]}权限" in message and ACTIONS[action].label in message
        assert "\n" not in message and ("请先登录" in message if role == "guest" else person.name in message)
        assert state(kb) == before  # nothing changed
        outcome = "denied"
    if ACTIONS[action].kind == READ:  # checked, not audited
        assert kb.store.audit.count() == rows
        return
    assert kb.store.audit.count() == rows + 1  # exactly one row: the action, not its steps
    row = kb.store.audit.query(limit=1)[0]
    who = "登录者" if action == "login" else person.name
    assert (row.actor, row.action, row.outcome) == (who, action, outcome)


def test_the_local_administrator_may_do_everything():
    assert all(allowed(LOCAL_ADMIN.role, action) for action in ACTIONS)


def test_nested_actions_are_each_checked_and_only_the_outermost_is_audited(world):
    kb = world.kb
    organiser = kb.acting_as(PEOPLE["organiser"])
    rows = kb.store.audit.count()
    with pytest.raises(PermissionDenied, match="修改设置需要管理员权限"), organiser.guard.mutation("list.edit", "x"):
        organiser.roots.add(world.root)  # a step the outer action's role does not allow
    assert kb.store.audit.count() == rows + 1
    row = kb.store.audit.query(limit=1)[0]
    assert (row.action, row.target, row.outcome) == ("list.edit", "x", "denied")
    assert kb.store.roots.all() == [str(world.root.resolve())]

    organiser.plans.create(2400, themes=["党风廉政建设", "群众工作"])
    rows = kb.store.audit.count()
    organiser.plans.draft(2400, k=2)  # creates and fills two reading lists
    assert kb.store.audit.count() == rows + 1
    row = kb.store.audit.query(limit=1)[0]
    assert (row.actor, row.action, row.target, row.outcome) == ("组织者甲", "plan.edit", "2400", "ok")
    # Two lists, each holding the passages that matched its theme well (at most two).
    added = sum(len(kb.lists.get(m.list_name).items) for m in kb.plans.get(2400).months if m.list_name)
    assert added >= 1 and row.detail == f"其中：新建学习清单 2 次，编辑学习清单 {added} 次"


def test_a_failed_action_is_audited_with_its_reason(world):
    kb = world.kb
    organiser = kb.acting_as(PEOPLE["organiser"])
    with pytest.raises(Exception, match="已有名为“共用清单”的学习清单"):
        organiser.lists.create("共用清单")
    row = kb.store.audit.query(limit=1)[0]
    assert (row.action, row.outcome) == ("list.create", "failed") and "已有名为" in row.detail
