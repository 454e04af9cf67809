"""One way in: every public mutating method of the facade and its services enters the guard, no store
write happens outside it, reads never wait for it, and a view acts for its own actor. The role × action
matrix (tests/test_permissions.py) checks what the guard then decides."""

from __future__ import annotations

import inspect
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus

from kb.access import ACTIONS, LOCAL_ADMIN, Actor, Guard
from kb.accounts import Accounts
from kb.archive import Archive
from kb.assessment import Assessment
from kb.audit import Audit
from kb.errors import InvalidInput
from kb.library import KnowledgeBase
from kb.lists import ReadingLists
from kb.outputs import Outputs
from kb.plans import Plans
from kb.roots import ImportRoots
from kb.roster import Roster
from kb.sync import FolderSync

# Every public method, sorted into actions (changes, audited records like logins and exports, and reads
# only some roles may make — with the action the guard is told) and plain reads. A new public method
# fails test_every_public_method_is_declared until it is added to one of the two.
MUTATIONS = {
    KnowledgeBase: {"ingest": "document.import", "upload": "document.upload", "delete": "document.delete",
                    "reindex": "settings", "copy_from": "database.copy",
                    "allow_classified": "settings.classified", "complete_vectors": "document.vectors",
                    "backup": "database.backup", "restore": "database.restore", "set_date": "document.edit"},
    ReadingLists: {"create": "list.create", "draft": "list.create", "update": "list.edit", "delete": "list.delete",
                   "add_document": "list.edit", "add_passage": "list.edit", "annotate": "list.edit",
                   "remove": "list.edit", "restore": "list.edit", "move": "list.edit", "export": "export"},
    Plans: {"create": "plan.create", "update": "plan.edit", "set_month": "plan.edit", "delete": "plan.delete",
            "draft_month": "plan.edit", "draft": "plan.edit", "export": "export"},
    Archive: {"edit_session": "session.edit", "export_attendance": "export"},
    Accounts: {"all": "account.read", "add": "account.create", "set_role": "account.edit",
               "set_enabled": "account.edit", "reset_password": "account.password",
               "change_password": "account.own_password", "set_policy": "settings", "login": "login",
               "logout": "logout"},
    Audit: {"entries": "audit.read", "actors": "audit.read", "export_csv": "export"},
    ImportRoots: {"all": "settings.read", "add": "settings", "remove": "settings"},
    Roster: {"add_member": "roster.edit", "update_member": "roster.edit", "remove_member": "roster.edit",
             "map_name": "roster.edit", "unmap_name": "roster.edit", "sign": "signin.edit",
             "record_makeup": "makeup.edit", "remove_makeup": "makeup.edit"},
    Outputs: {"attribute": "output.edit", "set_outcome": "output.edit", "forget": "output.edit"},
    Assessment: {"set_rules": "assessment.rules", "set_held": "plan.completion", "group": "assessment.read",
                 "export_table": "export", "export_volume": "export", "export_bulletin": "export"},
    FolderSync: {"add": "sync.folder", "forget": "sync.folder", "run": "sync.folder", "remove_gone": "sync.remove",
                 "keep": "sync.remove"},
}
READS = {
    KnowledgeBase: {"acting_as", "can", "close", "encode", "encode_query", "embed", "refresh_indexes", "search",
                    "documents", "document", "chunks", "text", "pages", "tags", "facets", "count_documents",
                    "count_chunks", "follow_sync_schedule",
                    "generation", "last_ingest", "stats", "follow_changes", "classified_allowed",
                    "weak_line", "draft_share", "listing_penalty", "vectors_pending", "check", "versions",
                    # queue work for the import worker, whose job runs the guarded ingest/upload/complete_vectors
                    # (a person who may not is refused, and audited, before anything is queued)
                    "submit_ingest", "submit_upload", "submit_vectors", "submit_sync", "import_jobs", "import_job"},
    ReadingLists: {"names", "all", "get", "picks", "reading_filters"},
    Plans: {"get", "years", "all", "list_groups", "propose_themes", "month_coverage", "to_export", "proposed_formats",
            "month_list_name"},
    Archive: {"sessions", "session", "attendance", "theme_similarity", "coverage", "covered_by", "narrow",
              "attendance_of", "split_names", "word_cover"},
    Accounts: {"has_admin", "policy", "resume"},
    Audit: set(),
    ImportRoots: {"confine"},
    Roster: {"members", "member", "member_of_actor", "names", "sheet", "sheets", "makeups"},
    Outputs: {"all", "unattributed"},
    Assessment: {"assess_member", "rules", "completion", "member", "closeness"},
    FolderSync: {"folders", "due", "repeat", "watch"},  # repeat and watch call the guarded run
}
WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)", re.IGNORECASE)
# Vectors are a cache: a search may fill it without changing anything a person sees. A session's
# "last used" time and the end of an expired session are bookkeeping of resume(), run on every page view.
CACHES = {"embeddings", "login_sessions"}


def public_methods(cls) -> set[str]:
    return {name for name, member in inspect.getmembers(cls)
            if not name.startswith("_") and callable(member) and not isinstance(member, type)}


def test_every_public_method_is_declared():
    for cls in MUTATIONS:
        assert public_methods(cls) == set(MUTATIONS[cls]) | READS[cls], cls.__name__
        for name, action in MUTATIONS[cls].items():
            assert action in ACTIONS
            assert getattr(getattr(cls, name), "action", None) == action, f"{cls.__name__}.{name}"
        for name in READS[cls]:
            assert not hasattr(getattr(cls, name), "action"), f"{cls.__name__}.{name} is declared a change"


class Recorder:
    """Stands in for Guard.mutation: records who did what, and knows whether a thread is inside."""

    def __init__(self):
        self.calls: list[tuple[str, str, object]] = []
        self.unguarded_writes: list[str] = []
        self._depth = threading.local()
        self._real = Guard.mutation

    @property
    def inside(self) -> bool:
        return getattr(self._depth, "n", 0) > 0

    def install(self, monkeypatch) -> None:
        recorder = self

        @contextmanager
        def mutation(guard, action, target=None):
            recorder.calls.append((guard.actor.name, action, target))
            recorder._depth.n = getattr(recorder._depth, "n", 0) + 1
            try:
                with recorder._real(guard, action, target):
                    yield
            finally:
                recorder._depth.n -= 1

        monkeypatch.setattr(Guard, "mutation", mutation)

    def watch(self, backend, monkeypatch) -> None:
        """Note every statement that writes a table (other than a cache) while no guard is entered."""
        for name in ("execute", "executemany", "fetch_all", "fetch_one", "fetch_value", "fetch_column"):
            real = getattr(backend, name)

            def spy(sql, *args, real=real, **kwargs):
                found = WRITE.match(sql)
                if found and found.group(2).lower() not in CACHES and not self.inside:
                    self.unguarded_writes.append(" ".join(sql.split())[:80])
                return real(sql, *args, **kwargs)

            monkeypatch.setattr(backend, name, spy)

    def actions_of(self, call) -> list[str]:
        start = len(self.calls)
        call()
        return [action for _, action, _ in self.calls[start:]]


@pytest.fixture
def kb(kb_location, tmp_path, monkeypatch):
    recorder = Recorder()
    recorder.install(monkeypatch)
    with KnowledgeBase(kb_location, encoder=FakeEncoder()) as kb:
        recorder.watch(kb.store.backend, monkeypatch)
        kb.recorder = recorder
        kb.corpus = write_corpus(tmp_path / "docs")
        yield kb


def test_every_change_enters_the_guard_and_no_write_escapes_it(kb, tmp_path):
    record = kb.recorder
    first = {}

    def change(cls, name, call):
        actions = record.actions_of(call)
        first[(cls, name)] = actions[0] if actions else None

    with KnowledgeBase(tmp_path / "source", encoder=FakeEncoder()) as source:
        source.lists.create("复制来的清单")
    change(KnowledgeBase, "copy_from", lambda: kb.copy_from(tmp_path / "source"))  # only into an empty one
    assert kb.lists.names() == ["复制来的清单"]
    change(KnowledgeBase, "ingest", lambda: kb.ingest([kb.corpus["lianzheng"].parent]))
    doc = next(d for d in kb.documents() if d.kind == "theory")
    minutes = next(d for d in kb.documents() if d.kind == "minutes")
    chunk = kb.chunks(doc.id)[0]
    lists = kb.lists
    change(ReadingLists, "create", lambda: lists.create("清单", topic="廉政"))
    change(ReadingLists, "add_document", lambda: lists.add_document("清单", doc.id))
    change(ReadingLists, "add_passage", lambda: lists.add_passage("清单", chunk.id, note="重点"))
    item = lists.get("清单").items[0]
    change(ReadingLists, "annotate", lambda: lists.annotate("清单", item.id, "导读"))
    change(ReadingLists, "move", lambda: lists.move("清单", item.id, 2))
    change(ReadingLists, "remove", lambda: lists.remove("清单", item.id))
    change(ReadingLists, "restore", lambda: lists.restore("清单", item))
    change(ReadingLists, "update", lambda: lists.update("清单", new_name="新清单"))
    change(ReadingLists, "draft", lambda: lists.draft("起草的清单", "党风廉政建设", k=2))
    change(ReadingLists, "delete", lambda: lists.delete("新清单"))
    plans = kb.plans
    change(Plans, "create", lambda: plans.create(2030, "主线", themes=["党风廉政建设", "高质量发展"]))
    change(Plans, "update", lambda: plans.update(2030, title="标题"))
    change(Plans, "set_month", lambda: plans.set_month(2030, 3, theme="群众工作"))
    change(Plans, "draft_month", lambda: plans.draft_month(2030, 1, k=1))
    change(Plans, "draft", lambda: plans.draft(2030, k=1))
    change(Plans, "export", lambda: plans.export(2030, "md"))
    change(Plans, "delete", lambda: plans.delete(2030, delete_lists=True))
    change(Archive, "edit_session", lambda: kb.archive.edit_session(minutes.id, host="李明"))
    change(ReadingLists, "export", lambda: lists.export("起草的清单", "md"))
    change(Archive, "export_attendance", lambda: kb.archive.export_attendance(2024))
    accounts = kb.accounts
    change(Accounts, "add", lambda: accounts.add("王芳", "member", "wangfang-1"))
    change(Accounts, "all", accounts.all)
    change(Accounts, "set_role", lambda: accounts.set_role("王芳", "organiser"))
    change(Accounts, "set_enabled", lambda: accounts.set_enabled("王芳", True))
    change(Accounts, "reset_password", lambda: accounts.reset_password("王芳", "wangfang-2"))
    change(Accounts, "set_policy", lambda: accounts.set_policy(max_failures=4))
    change(Accounts, "login", lambda: accounts.login("王芳", "wangfang-2"))
    wangfang = kb.acting_as(Actor("王芳", "organiser"))
    change(Accounts, "change_password", lambda: wangfang.accounts.change_password("wangfang-2", "wangfang-3"))
    change(Accounts, "logout", lambda: wangfang.accounts.logout("no-such-token"))
    change(Audit, "entries", kb.audit.entries)
    change(Audit, "actors", kb.audit.actors)
    change(Audit, "export_csv", kb.audit.export_csv)
    change(ImportRoots, "add", lambda: kb.roots.add(kb.corpus["lianzheng"].parent))
    change(ImportRoots, "all", kb.roots.all)
    change(KnowledgeBase, "upload", lambda: kb.upload([("上传.txt", "上传的学习材料。".encode())]))
    change(ImportRoots, "remove", lambda: kb.roots.remove(kb.corpus["lianzheng"].parent))
    roster, outputs, assessment = kb.roster, kb.outputs, kb.assessment
    change(Roster, "add_member", lambda: roster.add_member("李明", post="县长"))
    change(Roster, "update_member", lambda: roster.update_member("李明", post="县委副书记、县长"))
    change(Roster, "map_name", lambda: roster.map_name("李县长", "李明"))
    change(Roster, "unmap_name", lambda: roster.unmap_name("李县长"))
    change(Roster, "sign", lambda: roster.sign(minutes.id, "李明", status="请假", reason="出差"))
    change(Outputs, "attribute", lambda: outputs.attribute(doc.id, type="心得体会", member="李明", year=2024))
    change(Roster, "record_makeup", lambda: roster.record_makeup(minutes.id, "李明", date="2099-01-01",
                                                                 reflection=doc.id))
    change(Roster, "remove_makeup", lambda: roster.remove_makeup(minutes.id, "李明"))
    change(Outputs, "set_outcome", lambda: outputs.set_outcome(doc.id, "形成制度"))
    change(Outputs, "forget", lambda: outputs.forget(doc.id))
    change(Roster, "remove_member", lambda: roster.add_member("王五") and roster.remove_member("王五"))
    change(Assessment, "set_rules", lambda: assessment.set_rules(min_attendance=0.9))
    change(Assessment, "group", lambda: assessment.group(2024))
    kb.plans.create(2024, themes=["党风廉政建设"])
    change(Assessment, "set_held", lambda: assessment.set_held(2024, 1, None))
    change(Assessment, "export_table", lambda: assessment.export_table(2024, "csv"))
    change(Assessment, "export_volume", lambda: assessment.export_volume(2024, "docx"))
    change(Assessment, "export_bulletin", lambda: assessment.export_bulletin(2024))
    change(KnowledgeBase, "set_date", lambda: kb.set_date(doc.id, "2024-05"))
    change(KnowledgeBase, "delete", lambda: kb.delete(doc.id))
    change(KnowledgeBase, "reindex", lambda: kb.reindex())
    change(KnowledgeBase, "allow_classified", lambda: kb.allow_classified(True))
    synced = tmp_path / "synced"
    (synced / "sub").mkdir(parents=True)
    (synced / "sub" / "将删.txt").write_text("同步文件夹中的学习材料，稍后删除。", encoding="utf-8")
    (synced / "留下.txt").write_text("同步文件夹中的另一份学习材料，文件删除后保留文档。", encoding="utf-8")
    change(FolderSync, "add", lambda: kb.sync.add(synced))
    change(FolderSync, "run", lambda: kb.sync.run(synced))
    (synced / "sub" / "将删.txt").unlink()
    (synced / "留下.txt").unlink()
    kb.sync.run(synced)
    gone = {Path(g.path).name: g.doc_id for g in kb.sync.folders()[0].gone}
    change(FolderSync, "keep", lambda: kb.sync.keep(synced, [gone["留下.txt"]]))
    change(FolderSync, "remove_gone", lambda: kb.sync.remove_gone(synced))
    change(FolderSync, "forget", lambda: kb.sync.forget(synced))
    change(KnowledgeBase, "complete_vectors", lambda: kb.complete_vectors())
    change(KnowledgeBase, "backup", lambda: kb.backup(tmp_path / "备份"))

    def restore() -> None:
        try:
            kb.restore(tmp_path / "备份")
        except InvalidInput:  # a server's database is restored with its own tools (said in one line)
            assert kb.on_server

    change(KnowledgeBase, "restore", restore)
    expected = {(cls, name): action for cls, methods in MUTATIONS.items() for name, action in methods.items()}
    assert first == expected  # each change entered the guard first, under its own action
    assert record.unguarded_writes == []


def test_reads_change_nothing_and_enter_no_guard(kb):
    kb.ingest([kb.corpus["lianzheng"].parent])
    kb.lists.draft("清单", "党风廉政建设", k=2)
    kb.plans.create(2030, "主线", themes=["党风廉政建设"])
    minutes = next(d for d in kb.documents() if d.kind == "minutes")
    before = len(kb.recorder.calls)
    sessions = kb.archive.sessions()
    reads = [
        lambda: kb.search("八项规定", k=3), lambda: kb.search("发展", per_doc=True), kb.documents,
        lambda: kb.document(minutes.id), lambda: kb.chunks(minutes.id), lambda: kb.text(minutes.id),
        lambda: kb.pages(minutes.id), kb.tags, kb.count_documents, kb.count_chunks, kb.generation,
        kb.last_ingest, kb.stats, kb.refresh_indexes, lambda: kb.embed(["新的主题"]), lambda: kb.encode(["问题"]),
        kb.lists.names, kb.lists.all, lambda: kb.lists.get("清单"), lambda: kb.can("list.edit"),
        kb.accounts.has_admin, kb.accounts.policy, lambda: kb.accounts.resume("no-such-token"),
        kb.plans.years, kb.plans.all, lambda: kb.plans.get(2030), lambda: kb.plans.propose_themes(2031),
        lambda: kb.plans.month_coverage(2031, "党风廉政建设"), lambda: kb.plans.to_export(kb.plans.get(2030)),
        lambda: kb.archive.session(minutes.id), lambda: kb.archive.attendance(2024),
        lambda: kb.archive.coverage("党风廉政建设"), lambda: kb.archive.covered_by("党风廉政建设"),
        lambda: kb.archive.theme_similarity("廉政", ["党风廉政建设"]),
        lambda: kb.archive.attendance_of(kb.archive.narrow(sessions, year=2024)),
        kb.roster.members, lambda: kb.roster.names(2024), lambda: kb.roster.sheets(2024), kb.roster.makeups,
        lambda: kb.roster.sheet(minutes.id), kb.roster.member_of_actor, kb.outputs.all, kb.outputs.unattributed,
        kb.assessment.rules, lambda: kb.assessment.completion(2030),
    ]
    for read in reads:
        read()
    assert kb.recorder.calls[before:] == [] and kb.recorder.unguarded_writes == []


def test_reads_never_wait_for_a_writer_and_writers_wait_for_each_other(kb):
    kb.ingest([kb.corpus["lianzheng"].parent])
    holding, release = threading.Event(), threading.Event()
    created = threading.Event()

    def long_change() -> None:
        with kb.guard.mutation("list.edit"):
            holding.set()
            release.wait(30)

    def second_change() -> None:
        kb.lists.create("第二个写者")
        created.set()

    first = threading.Thread(target=long_change)
    first.start()
    assert holding.wait(30)
    second = threading.Thread(target=second_change)
    second.start()
    # While a change is under way, everything that only reads goes ahead.
    assert kb.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"
    assert kb.documents() and kb.lists.names() == [] and kb.archive.sessions()
    assert not created.is_set()  # the second writer queues behind the first
    release.set()
    first.join(30)
    second.join(30)
    assert created.is_set() and kb.lists.names() == ["第二个写者"]


def test_a_view_acts_for_its_actor_on_the_same_knowledge_base(kb):
    organiser = Actor("张三", "organiser")
    view = kb.acting_as(organiser)
    assert view.actor == organiser and kb.actor == LOCAL_ADMIN
    assert view.store is kb.store and view.indexes is kb.indexes and view.embeddings is kb.embeddings
    view.lists.create("张三的清单")
    view.plans.create(2031)
    assert kb.recorder.calls[-2:] == [("张三", "list.create", "张三的清单"), ("张三", "plan.create", 2031)]
    assert kb.lists.names() == ["张三的清单"]  # the same store
    view.close()  # a view owns nothing
    assert kb.count_documents() == 0 and kb.plans.years() == [2031]


def test_an_unknown_action_is_a_bug_caught_at_once():
    guard = Guard(LOCAL_ADMIN, threading.RLock())
    with pytest.raises(ValueError, match="unknown action"), guard.mutation("document.rename"):
        pass
