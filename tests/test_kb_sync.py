"""Folder sync (kb sync): new and changed files imported, moves and renames recognised, files gone listed for
an organiser to confirm (never deleted by a sync), an unreachable folder lists nothing, folders confined to
the import roots, repeating (--every) and watching (watchdog), through the import worker and the UI."""

from __future__ import annotations

import json
import threading

import pytest
from kb_fixtures import FAZHAN, LIANZHENG, QUNZHONG
from ui_fixtures import no_errors, page_app, page_text, ui_kb_fixture  # noqa: F401 - fixtures

from kb import cli
from kb.access import Actor
from kb.errors import InvalidInput, NotFound, PermissionDenied
from kb.library import KnowledgeBase, parse_interval
from kb.ui import sync_page

ORGANISER = Actor("组织者甲", "organiser")


@pytest.fixture
def kb(kb_location, fake_encoder):
    with KnowledgeBase(kb_location, encoder=fake_encoder) as kb:
        yield kb


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "中心组资料"
    (folder / "2024").mkdir(parents=True)
    (folder / "廉政.txt").write_text(LIANZHENG, encoding="utf-8")
    (folder / "2024" / "发展.txt").write_text(FAZHAN, encoding="utf-8")
    return folder


def test_a_folder_stays_in_step(kb, folder):
    synced = kb.sync.add(folder)
    first = kb.sync.run(folder)
    assert first.summary()["added"] == 2 and first.gone == () and synced.path == str(folder.resolve())
    assert kb.sync.run(folder).summary()["unchanged"] == 2  # nothing changed: nothing read again

    (folder / "群众.txt").write_text(QUNZHONG, encoding="utf-8")  # new
    (folder / "廉政.txt").write_text(LIANZHENG + "\n三、补充内容\n坚持严管和厚爱结合。\n", encoding="utf-8")  # changed
    moved_id = kb.document("发展.txt").id
    (folder / "2024" / "发展.txt").rename(folder / "高质量发展（修订前）.txt")  # moved and renamed
    result = kb.sync.run(folder)
    s = result.summary()
    assert (s["added"], s["updated"], s["moved"], s["gone"]) == (1, 1, 1, 0)
    assert kb.document(moved_id).path == str(folder.resolve() / "高质量发展（修订前）.txt")

    (folder / "群众.txt").unlink()  # gone: listed, not deleted
    result = kb.sync.run(folder)
    (gone,) = result.gone
    assert result.newly_gone == 1 and gone.path == str(folder.resolve() / "群众.txt")
    assert kb.document(gone.doc_id) and kb.search("群众反映强烈的突出问题", k=3)[0].doc_id == gone.doc_id
    assert "待组织者确认是否移除" in kb.store.audit.query(limit=1)[0].detail
    again = kb.sync.run(folder)
    assert again.newly_gone == 0 and [g.noticed_at for g in again.gone] == [gone.noticed_at]

    removed = kb.acting_as(ORGANISER).sync.remove_gone(folder)
    assert [g.doc_id for g in removed] == [gone.doc_id] and kb.count_documents() == 2
    assert kb.sync.folders()[0].gone == ()


def test_keeping_and_files_that_come_back(kb, folder):
    kb.sync.add(folder)
    kb.sync.run(folder)
    (folder / "廉政.txt").rename(folder.parent / "暂存.txt")
    (folder / "2024" / "发展.txt").unlink()
    kb.sync.run(folder)
    waiting = {g.path.rsplit("/", 1)[-1]: g.doc_id for g in kb.sync.folders()[0].waiting}
    organiser = kb.acting_as(ORGANISER).sync
    assert organiser.keep(folder, [waiting["发展.txt"]]) == 1
    assert [g.doc_id for g in kb.sync.run(folder).gone if not g.kept] == [waiting["廉政.txt"]]
    (folder.parent / "暂存.txt").rename(folder / "廉政.txt")  # back before anyone confirmed
    assert organiser.remove_gone(folder, [waiting["廉政.txt"]]) == []  # a file back in place is never removed
    assert kb.count_documents() == 2
    with pytest.raises(NotFound, match="待移除列表"):
        organiser.remove_gone(folder, ["000000000000"])


def test_an_unreachable_folder_lists_nothing_as_gone(kb, folder, tmp_path):
    kb.sync.add(folder)
    kb.sync.run(folder)
    folder.rename(tmp_path / "拔掉的移动硬盘")
    result = kb.sync.run(folder)
    assert result.unreachable and result.gone == () and kb.count_documents() == 2
    assert kb.sync.folders()[0].last_report["unreachable"] is True


def test_a_file_renamed_and_changed_is_hinted_as_the_new_version(kb, folder):
    kb.sync.add(folder)
    kb.sync.run(folder)
    (folder / "廉政.txt").unlink()
    (folder / "廉政（定稿）.txt").write_text("来源：县纪委\n" + LIANZHENG, encoding="utf-8")
    result = kb.sync.run(folder)
    assert len(result.gone) == 1 and result.report.near_duplicates
    assert any("可能是改名并修改后的新版本" in w and "廉政.txt" in w for w in result.report.warnings)


def test_others_sync_only_inside_the_import_roots(kb, folder, tmp_path):
    admin = kb.acting_as(Actor("管理员甲", "admin"))
    with pytest.raises(PermissionDenied, match="导入目录"):
        admin.sync.add(folder)
    kb.roots.add(folder)
    assert admin.sync.add(folder).added_by == "管理员甲"
    assert admin.sync.run(folder).summary()["added"] == 2
    with pytest.raises(PermissionDenied, match="管理员"):
        kb.acting_as(ORGANISER).sync.run(folder)
    with pytest.raises(InvalidInput, match="绝对路径"):
        admin.sync.add("相对/路径")
    with pytest.raises(NotFound):
        kb.sync.run(tmp_path / "没有登记")


def test_repeat_runs_on_a_schedule_until_stopped(kb, folder):
    class Clock(threading.Event):
        """A stop event whose waits return at once, counting them (no test waits ten minutes)."""

        waited: list[float] = []

        def wait(self, timeout=None):
            self.waited.append(timeout)
            return False

    kb.sync.add(folder, every=parse_interval("10m"))
    rounds = []

    def changed_between(result):
        rounds.append(result.summary())
        (folder / f"新材料{len(rounds)}.txt").write_text(f"第{len(rounds)}轮之后加入的学习材料。" + QUNZHONG,
                                                          encoding="utf-8")

    stop = Clock()
    assert kb.sync.repeat([str(folder)], 600, changed_between, stop=stop, times=3) == 3
    assert [r["added"] for r in rounds] == [2, 1, 1] and stop.waited == [600, 600]
    assert kb.sync.due(at="2999-01-01T00:00:00") and not kb.sync.due()


def test_watch_imports_a_file_as_it_arrives(kb, folder):
    kb.sync.add(folder)
    results = []
    arrived = threading.Event()

    def seen(result):
        results.append(result)
        arrived.set()

    watcher = threading.Thread(target=kb.sync.watch, args=([str(folder.resolve())], seen),
                               kwargs={"times": 1, "quiet": 0.5}, daemon=True)
    watcher.start()
    assert arrived.wait(60)  # the first run
    (folder / "群众.txt").write_text(QUNZHONG, encoding="utf-8")
    watcher.join(120)
    assert not watcher.is_alive()
    assert [r.summary()["added"] for r in results] == [2, 1]


def test_a_sync_runs_through_the_import_worker(kb, folder):
    kb.sync.add(folder)
    job = kb.submit_sync(str(folder.resolve()))
    done = kb.import_job(job.id, wait=120)
    assert done.state == "finished" and len(done.report.added) == 2
    with pytest.raises(PermissionDenied):
        kb.acting_as(ORGANISER).submit_sync(str(folder.resolve()))


def test_parse_interval():
    assert [parse_interval(t) for t in ("10m", "1h", "30s", "2d", "15", "10分钟")] == [600, 3600, 30, 172800, 900, 600]
    for bad in ("5s", "ten", "1w"):
        with pytest.raises(InvalidInput):
            parse_interval(bad)


def test_cli(tmp_path, folder, fake_model, capsys):
    data = ["--data", str(tmp_path / "kb")]
    assert cli.main([*data, "sync", str(folder)]) == 0
    assert "新增 2" in capsys.readouterr().out
    (folder / "廉政.txt").unlink()
    assert cli.main([*data, "sync"]) == 0  # every registered folder
    out = capsys.readouterr().out
    assert "[已不在]" in out and "kb sync-remove" in out
    assert cli.main([*data, "sync", "--status"]) == 0 and "待确认移除 1" in capsys.readouterr().out
    assert cli.main([*data, "stats"]) == 0 and "同步      1 个文件夹，待确认移除 1 篇" in capsys.readouterr().out
    assert cli.main([*data, "sync", "--due"]) == 0 and "没有到时间" in capsys.readouterr().out  # no schedule
    assert cli.main([*data, "sync-gone", "--json"]) == 0
    (gone,) = json.loads(capsys.readouterr().out)
    assert cli.main([*data, "sync-remove", str(folder)]) == 1  # neither ids nor --all
    assert "--all" in capsys.readouterr().err
    assert cli.main([*data, "sync-remove", str(folder), gone["doc_id"]]) == 0
    assert "已移除" in capsys.readouterr().out
    assert cli.main([*data, "sync", "--forget", str(folder)]) == 0
    assert cli.main([*data, "sync", "--status"]) == 0 and "还没有同步文件夹" in capsys.readouterr().out
    assert cli.main([*data, "sync", str(folder), "--every", "3s"]) == 1 and "太短" in capsys.readouterr().err
    assert cli.main([*data, "sync", str(folder), "--every", "10m", "--times", "1"]) == 0  # registered with a schedule
    capsys.readouterr()
    assert cli.main([*data, "sync", "--due"]) == 0 and "没有到时间" in capsys.readouterr().out  # just ran


def test_the_page_shows_each_folder_and_takes_decisions(ui_kb, tmp_path):
    folder = tmp_path / "同步"
    folder.mkdir()
    text = "关于大兴调查研究的学习材料\n调查研究是谋事之基、成事之道，要坚持问题导向。"
    (folder / "调研.txt").write_text(text, encoding="utf-8")
    ui_kb.sync.add(folder)
    ui_kb.sync.run(folder)
    (folder / "调研.txt").unlink()
    ui_kb.sync.run(folder)
    at = page_app("sync_page")
    at.run()
    no_errors(at)
    text = page_text(at)
    assert "1 篇文档的文件已不在文件夹中" in text and "上次同步" in text and str(folder.resolve()) in text
    (gone,) = ui_kb.sync.folders()[0].waiting
    at.checkbox(key=sync_page._pick_key(gone.folder, gone.doc_id)).check().run()
    next(b for b in at.button if b.label == "移除所选").click().run()
    no_errors(at)
    assert ui_kb.sync.folders()[0].gone == () and ui_kb.count_documents() == 5


def test_the_schedule_hands_due_folders_to_the_import_worker(kb, folder, tmp_path):
    kb.sync.add(folder, every=parse_interval("10m"))
    by_hand = tmp_path / "手动"
    by_hand.mkdir()
    kb.sync.add(by_hand)  # no schedule: never handed over
    schedule = kb.follow_sync_schedule(start=False)
    assert schedule.tick() == [str(folder.resolve())]
    (job,) = [j for j in kb.import_jobs() if j.label.startswith("同步")]
    assert kb.import_job(job.id, wait=120).state == "finished" and kb.count_documents() == 2
    assert schedule.tick() == []  # it just ran: not due for ten minutes
    assert kb.follow_sync_schedule() is schedule
