"""What only a database server has: a URL instead of a folder, this machine's folder for the indexes,
one-line messages for a server that is away, change notices between processes. (Everything the two
backends share runs on both through the store_backend fixture: tests/test_store.py and the feature tests.)"""

from __future__ import annotations

import pytest
from conftest import FakeEncoder, StoreLocations, postgres_admin
from kb_fixtures import write_corpus

from kb.cli import main
from kb.errors import StoreUnavailable
from kb.library import KnowledgeBase, describe_location
from kb.store import open_store


@pytest.fixture
def pg(tmp_path):
    locations = StoreLocations("postgresql", tmp_path)
    yield locations
    locations.cleanup()


def test_a_server_knowledge_base_keeps_its_indexes_in_a_folder_of_this_machine(pg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = pg.new()
    corpus = write_corpus(tmp_path / "docs")
    with KnowledgeBase(url, encoder=FakeEncoder()) as kb:
        kb.ingest([corpus["lianzheng"]])
        assert kb.on_server and kb.location == kb.store.describe() and "模式 kbtest_kb_" in kb.location
        assert kb.data_dir.parent.name == "kb-servers" and (kb.data_dir / "index" / "manifest.json").is_file()
        default_dir = kb.data_dir
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]  # nothing named after the URL
    with KnowledgeBase(url, encoder=FakeEncoder(), local_dir=tmp_path / "mine") as kb:
        assert kb.data_dir == tmp_path / "mine"
        assert kb.search("八项规定", k=1)[0].title == "党风廉政建设学习辅导"  # rebuilt from the database
    with KnowledgeBase(url, encoder=FakeEncoder()) as kb:
        assert kb.data_dir == default_dir  # the same database, the same folder
    schema = pg.schemas[-1]
    postgres_admin(f"DROP SCHEMA {schema} CASCADE")
    postgres_admin(f"CREATE SCHEMA {schema}")  # created again under the same name (or restored from a dump)
    with KnowledgeBase(url, encoder=FakeEncoder()) as kb:
        assert kb.data_dir != default_dir  # a folder of its own: the old one's indexes are not trusted


def test_the_cli_takes_a_database_url_as_typed(pg, tmp_path, fake_model, capsys):
    url = pg.new()
    corpus = write_corpus(tmp_path / "docs")
    assert main(["--data", url, "ingest", str(corpus["fazhan"])]) == 0
    assert main(["--data", url, "search", "新质生产力", "-k", "1", "--json"]) == 0
    assert "推动经济高质量发展" in capsys.readouterr().out
    assert main(["--data", url, "stats"]) == 0
    out = capsys.readouterr().out
    assert "数据库    postgresql://" in out and "本机目录" in out


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql://127.0.0.1:1/test", "无法连接数据库"),
    ("postgresql://127.0.0.1/kb_no_such_database", "没有数据库"),
    ("postgresql://127.0.0.1/test?options=-csearch_path%3Dkb_no_such_schema", "没有可用的模式"),
])
def test_a_server_that_cannot_serve_is_one_line_saying_what_to_do(pg, url, says, capsys):
    pg.new()  # skips when no server answers
    with pytest.raises(StoreUnavailable, match=says) as caught:
        open_store(url)
    assert "\n" not in str(caught.value) and "请" in str(caught.value)
    assert main(["--data", url, "stats"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "Traceback" not in err


def test_a_password_is_never_shown():
    assert describe_location("postgresql://kb:s3cret@db.example:5432/kb") == "postgresql://kb@db.example:5432/kb"
    assert "s3cret" not in describe_location("postgresql://db/kb?password=s3cret&sslmode=require")
    assert describe_location("/srv/kb") == "/srv/kb"


def test_a_commit_notifies_the_other_processes_of_its_schema_only(pg):
    mine, other = open_store(pg.new("mine")), open_store(pg.new("other"))
    feed = mine.listen()
    try:
        assert feed.wait(1) is True  # the first wait connects: the caller checks the generation
        with other.transaction():
            other.meta.bump_generation()
        assert feed.wait(1) is False  # another knowledge base's change is not ours
        with mine.transaction():
            mine.meta.bump_generation()
            assert feed.wait(0.2) is False  # not before the commit …
        assert feed.wait(30) is True  # … and after it
    finally:
        feed.close()
        mine.close()
        other.close()


def test_kb_serve_hands_the_ui_the_database_url_and_this_machines_folder(pg, tmp_path, monkeypatch, fake_model):
    from kb import cli
    from kb.commands import serve

    url = pg.new()
    monkeypatch.setenv("KB_DATA", url)
    monkeypatch.delenv("KB_LOCAL", raising=False)
    _, env, _ = serve.plan(cli.build_parser(extra=[]).parse_args(["serve"]))
    assert env["KB_DATA"] == url and "KB_LOCAL" not in env  # the URL, not the local folder
    args = cli.build_parser(extra=[]).parse_args(["--local", str(tmp_path / "srv"), "serve"])
    _, env, _ = serve.plan(args)
    assert env["KB_DATA"] == url and env["KB_LOCAL"] == str(tmp_path / "srv")
