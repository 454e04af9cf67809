"""Recovery, not tracebacks: unreadable index files rebuilt, a damaged or full database reported in one
line that never advises deleting it, imports racing over one file settled, `kb check`, `kb backup` and
`kb restore` round trips, deleting for good, exports into a folder."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest
from conftest import FakeEncoder
from kb_fixtures import write_corpus

from kb import cli, ingesting
from kb.errors import InvalidInput, KBError, StoreDamaged, StoreUnavailable
from kb.library import KnowledgeBase


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "docs")


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_index_file_emptied_is_rebuilt_from_the_database(tmp_path, corpus):
    data = tmp_path / "data"
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
    def index_files():
        return sorted(f for f in (data / "index").rglob("*") if f.is_file())

    count = len(index_files())
    assert count >= 4
    for which in range(count):  # each file in turn (a rebuild may rename them: content-addressed)
        damaged = index_files()[which]
        damaged.write_bytes(b"")  # a power cut mid-write, as on an office PC
        with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
            assert kb.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导", damaged.name
            report = kb.check()
            assert report.ok, (damaged.name, report.problems)
        assert len(index_files()) == count and all(f.stat().st_size for f in index_files())


def test_kb_check_counts_and_finds_an_index_out_of_step(tmp_path, corpus, capsys, fake_model):
    data = tmp_path / "data"
    code, out, _ = run(capsys, "ingest", corpus["lianzheng"].parent, "--data", data)  # --data after the command
    assert code == 0
    code, out, _ = run(capsys, "check", "--data", data)
    assert code == 0 and out.startswith("检查通过") and "文档 4" in out
    with KnowledgeBase(data) as kb:  # the model the CLI recorded, loaded as the fake
        chunks = kb.count_chunks()
        report = kb.check()
        assert report.ok and report.counts["chunks"] == chunks == report.counts["vectors"]
        assert report.counts["chunks_without_vectors"] == 0
        # A vector removed behind the indexes' back: the saved dense index no longer matches the store.
        key = kb.store.chunks.of(kb.documents()[0].id)[0].embed_key
        kb.store.backend.execute("DELETE FROM embeddings WHERE key = ?", (key,))
        report = kb.check()
        assert report.problems == ["语义索引与数据库不一致：请运行 kb reindex 重建索引"]
        assert report.counts["chunks_without_vectors"] == 1 and "1 个片段尚未计算语义向量" in report.notes[0]
        kb.reindex()  # what the line says to do
        report = kb.check()
        assert report.ok and not report.notes and report.counts["vectors"] == chunks
    code, out, _ = run(capsys, "check", "--data", data, "--json")
    assert code == 0 and '"ok": true' in out


def test_a_damaged_database_is_one_line_that_never_advises_deleting_it(tmp_path, corpus, capsys, fake_model):
    data = tmp_path / "data"
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        kb.store.backend.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = data / "kb.sqlite3"
    raw = bytearray(db.read_bytes())
    page = 4096
    for start in range(page * 2, len(raw), page):  # every page after the schema's: the data is gone
        raw[start + 8 : start + 200] = b"\xff" * 192
    db.write_bytes(bytes(raw))
    code, out, err = run(capsys, "--data", data, "search", "八项规定")
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "kb restore" in err and "请保留该文件原样" in err and "删除" not in err
    with pytest.raises(StoreDamaged, match="请保留该文件原样"):
        with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
            kb.check()


def test_a_full_disk_stops_an_import_in_one_line_and_loses_nothing(tmp_path, corpus):
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"]])
        before = kb.count_documents()
        pages = kb.store.backend.db.execute("PRAGMA page_count").fetchone()[0]
        kb.store.backend.db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills up now
        big = tmp_path / "big.txt"
        paragraphs = "".join(f"第{i}段关于作风建设的论述，内容各不相同{i * 7}。\n" for i in range(3000))
        big.write_text("长篇材料\n\n" + paragraphs, encoding="utf-8")
        with pytest.raises(StoreUnavailable, match="磁盘空间已满.*请清理磁盘空间后重试"):
            kb.ingest([big])
        kb.store.backend.db.execute("PRAGMA max_page_count = 1073741823")
        assert kb.count_documents() == before and kb.check().ok
        assert len(kb.ingest([big]).added) == 1  # space again: the same import goes through


def test_two_imports_of_one_file_racing_store_it_once(tmp_path, corpus, monkeypatch):
    """The second import looked the file up before the first committed it: its commit collides
    (UNIQUE path and content) and is settled as unchanged, not a traceback."""
    data = tmp_path / "data"
    first, second = KnowledgeBase(data, encoder=FakeEncoder()), KnowledgeBase(data, encoder=FakeEncoder())
    pending = ingesting.Ingestor._prepare
    raced = []

    def prepare_while_the_other_commits(ingestor, read, replaces):  # after the second import's last look-up
        if not raced:
            raced.append(None)
            raced[0] = first.ingest([corpus["lianzheng"]])
        return pending(ingestor, read, replaces)

    monkeypatch.setattr(ingesting.Ingestor, "_prepare", prepare_while_the_other_commits)
    report = second.ingest([corpus["lianzheng"]])
    assert len(raced[0].added) == 1 and len(report.unchanged) == 1 and not report.added
    assert second.count_documents() == 1 and second.search("八项规定", k=1)
    first.close()
    second.close()


def test_backup_and_restore_round_trip(tmp_path, corpus, capsys, fake_model):
    data, backup = tmp_path / "data", tmp_path / "备份" / "2026-12-01"
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        kb.upload([("上传的材料.txt", "上传的学习材料\n\n关于调查研究的体会。".encode())])
        kb.lists.create("第一次学习", topic="廉政")
        kb.accounts.add("王芳", "organiser", "wangfang-1")
    code, out, _ = run(capsys, "backup", backup, "--data", data)
    assert code == 0 and "备份完成" in out
    assert (backup / "uploads" / "上传的材料.txt").is_file()
    code, out, _ = run(capsys, "--data", backup, "check")  # the backup is itself a data folder
    assert code == 0 and "文档 5" in out
    code, _, err = run(capsys, "backup", backup, "--data", data)
    assert code == 1 and "已有一份知识库" in err  # never over an earlier backup

    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:  # later changes, then a mistake to undo
        kb.delete("党风廉政建设学习辅导")
        kb.lists.create("之后的清单")
    code, out, _ = run(capsys, "restore", backup, "--data", data)
    assert code == 0 and "恢复前的数据库保存在" in out
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        assert kb.count_documents() == 5 and kb.lists.names() == ["第一次学习"]
        assert [a.name for a in kb.accounts.all()] == ["王芳"]
        assert kb.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"  # indexes rebuilt
        assert kb.check().ok
        actions = [e.action for e in reversed(kb.audit.entries())]  # the log is not rewound by a restore
        assert actions[-4:] == ["database.backup", "document.delete", "list.create", "database.restore"]
    [aside] = data.glob("恢复前的数据库-*")  # what was replaced is kept, not deleted
    with KnowledgeBase(aside, encoder=FakeEncoder()) as before:
        assert before.count_documents() == 4 and "之后的清单" in before.lists.names()


def test_backup_of_a_server_database_and_restore_refused_there(store_locations, tmp_path, corpus):
    location = store_locations.new()
    with KnowledgeBase(location, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"].parent])
        done = kb.backup(tmp_path / "备份")
        assert done.documents == 4
        if kb.on_server:
            with pytest.raises(InvalidInput, match="kb migrate 备份文件夹 postgresql"):
                kb.restore(tmp_path / "备份")
    with KnowledgeBase(tmp_path / "备份", encoder=FakeEncoder()) as copy:
        assert copy.count_documents() == 4 and copy.check().ok
        assert copy.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path, corpus):
    with KnowledgeBase(tmp_path / "data", encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"]])
        (tmp_path / "not-a-backup").mkdir()
        (tmp_path / "not-a-backup" / "kb.sqlite3").write_bytes(b"nonsense" * 100)
        for folder in (tmp_path / "nowhere", tmp_path / "not-a-backup"):
            with pytest.raises(InvalidInput, match="不是可用的备份"):
                kb.restore(folder)
        assert kb.count_documents() == 1 and not list((tmp_path / "data").glob("恢复前的数据库-*"))


def _database_bytes(data) -> bytes:
    return b"".join(p.read_bytes() for p in data.glob("kb.sqlite3*") if p.is_file())


@pytest.mark.parametrize("purge", [False, True])
def test_deleting_removes_the_upload_the_vectors_and_with_purge_every_copy_of_the_text(tmp_path, purge):
    data = tmp_path / "data"
    secret = "独一无二的待删除段落内容甲乙丙丁"
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.upload([("待删.txt", f"待删的材料\n\n{secret}。".encode())])
        kb.upload([("保留.txt", "保留的材料\n\n关于调查研究的体会。".encode())])
        doc = kb.document("待删.txt")
        keys = [c.embed_key for c in kb.chunks(doc.id)]
        kb.lists.create("清单")
        kb.lists.add_passage("清单", kb.chunks(doc.id)[0].id, note="重点")
        kb.delete(doc.id, purge=purge)
        assert not (data / "uploads" / "待删.txt").exists() and (data / "uploads" / "保留.txt").exists()
        assert kb.store.embeddings.get(kb.model_name, keys) == {}
        [item] = kb.lists.get("清单").items
        assert item.status == "missing" and item.note == "重点"  # the list still says what was there
        assert (item.text is None) == purge
        assert kb.search(secret) == [] or kb.search(secret)[0].title != "待删的材料"
        assert kb.check().ok
    if purge:
        assert secret.encode() not in _database_bytes(data)  # not even in free pages


def test_list_export_into_a_folder_or_an_unwritable_place(tmp_path, corpus, capsys, fake_model):
    data = tmp_path / "data"
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"]])
        kb.lists.create("廉政学习")
        kb.lists.add_document("廉政学习", kb.documents()[0].id)
    out_dir = tmp_path / "导出"
    out_dir.mkdir()
    code, out, _ = run(capsys, "--data", data, "list-export", "廉政学习", "-f", "md", "-o", out_dir)
    [written] = out_dir.iterdir()  # named as the download would be
    assert code == 0 and written.suffix == ".md" and "廉政学习" in written.name and str(written) in out
    blocker = tmp_path / "一个文件"
    blocker.write_text("x")
    code, _, err = run(capsys, "--data", data, "list-export", "廉政学习", "-f", "md", "-o", blocker / "清单.md")
    assert code == 1 and err.startswith("错误：无法写入") and err.count("\n") == 1


def test_a_locked_database_is_one_line(tmp_path, corpus, monkeypatch):
    from kb.store import sqlite as sqlite_backend

    data = tmp_path / "data"
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"]])
    holder = sqlite3.connect(data / "kb.sqlite3")
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the database
    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite_backend.sqlite3, "connect",
                        lambda *a, **k: real_connect(*a, **{**k, "timeout": 0.2}))
    done = threading.Event()
    try:
        with pytest.raises(KBError, match="正被另一个程序写入.*请稍后重试"):
            with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
                kb.lists.create("清单")
    finally:
        holder.rollback()
        holder.close()
        done.set()
    with KnowledgeBase(data, encoder=FakeEncoder()) as kb:
        assert np.array_equal(np.sort(kb.indexes.keyword.ids()), np.sort(kb.indexes.keyword.ids()))
        assert kb.lists.create("清单") is not None
