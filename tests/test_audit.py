"""The audit log (操作日志): append-only in the store and in the database itself, read back by filters,
only by administrators."""

from __future__ import annotations

import inspect

import pytest

from kb.access import Actor
from kb.errors import KBError, PermissionDenied
from kb.library import KnowledgeBase
from kb.records import AuditEntry, AuditQuery
from kb.store.audit import AuditLog


@pytest.fixture
def kb(kb_location, fake_encoder):
    with KnowledgeBase(kb_location, encoder=fake_encoder) as kb:
        yield kb


def row(at: str, actor: str, action: str, target: str | None = None) -> AuditEntry:
    return AuditEntry(at, actor, "organiser", action, target, "ok")


def test_the_store_can_only_add_and_read_audit_rows():
    public = {name for name, _ in inspect.getmembers(AuditLog, inspect.isfunction) if not name.startswith("_")}
    assert public == {"append", "query", "actors", "count"}


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = '别人'", "DELETE FROM audit_log"])
def test_the_database_refuses_to_change_or_remove_a_row(kb, statement):
    kb.lists.create("清单")
    before = kb.store.audit.query()
    with pytest.raises(KBError):
        kb.store.backend.execute(statement)
    assert kb.store.audit.query() == before and before[0].actor == "本机管理员"


def test_rows_are_filtered_by_person_action_and_date(kb):
    for entry in [row("2025-02-28T23:59:59", "张三", "list.create", "甲"), row("2025-03-01T00:00:00", "李四", "export"),
                  row("2025-03-15T12:00:00", "张三", "list.edit", "甲"), row("2025-03-31T23:59:59", "张三", "export"),
                  row("2025-04-01T00:00:00", "张三", "list.delete", "甲")]:
        kb.store.audit.append(entry)

    def query(**how) -> list[str]:
        return [e.at[:10] for e in kb.audit.entries(AuditQuery(**how))]

    assert query(actor="张三") == ["2025-04-01", "2025-03-31", "2025-03-15", "2025-02-28"]  # newest first
    assert query(action="export") == ["2025-03-31", "2025-03-01"]
    assert query(since="2025-03-01", until="2025-03-31") == ["2025-03-31", "2025-03-15", "2025-03-01"]
    assert query(until="2025-03") == ["2025-03-31", "2025-03-15", "2025-03-01", "2025-02-28"]  # the whole month
    assert query(actor="张三", since="2025-03", action="export") == ["2025-03-31"]
    assert kb.audit.actors() == ["张三", "李四"]  # by code point
    assert len(kb.audit.entries(limit=2)) == 2


def test_only_administrators_read_the_log(kb):
    kb.lists.create("清单")
    organiser = kb.acting_as(Actor("张三", "organiser"))
    with pytest.raises(PermissionDenied, match="查看操作日志需要管理员权限"):
        organiser.audit.entries()
    with pytest.raises(PermissionDenied, match="查看操作日志需要管理员权限"):
        organiser.audit.export_csv()
    assert kb.acting_as(Actor("王芳", "admin")).audit.entries()[0].action == "export"  # the refused export
