"""kb's CLI adds the commands installed packages declare in the "kb.commands" entry-point group."""

from __future__ import annotations

import textwrap
from importlib.metadata import EntryPoint

from kb import cli


def _entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, cli.COMMAND_GROUP)


def test_an_extra_command_is_registered_and_runs(tmp_path, monkeypatch, capsys):
    (tmp_path / "kb_extra_hello.py").write_text(textwrap.dedent("""
        def hello(args):
            print("你好", args.who)
            return 0

        def register(sub):
            p = sub.add_parser("hello", help="问好")
            p.add_argument("who")
            p.set_defaults(func=hello)
    """), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cli, "extra_commands", lambda: [_entry("hello", "kb_extra_hello:register")])
    assert cli.main(["hello", "学习组"]) == 0
    assert capsys.readouterr().out == "你好 学习组\n"


def test_an_extra_command_that_cannot_load_says_so_and_breaks_nothing_else(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(cli, "extra_commands", lambda: [_entry("gone", "kb_no_such_module:register")])
    assert cli.main(["gone", "--sizes", "2000"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "命令 gone 无法加载" in error and "kb_no_such_module" in error
    assert cli.build_parser().parse_args(["--data", str(tmp_path), "stats"]).command == "stats"


def test_extra_commands_come_from_the_installed_entry_points(monkeypatch):
    seen = {}

    def fake_entry_points(*, group):
        seen["group"] = group
        return [_entry("zeta", "m:z"), _entry("alpha", "m:a")]

    monkeypatch.setattr(cli, "entry_points", fake_entry_points)
    assert [ep.name for ep in cli.extra_commands()] == ["alpha", "zeta"]
    assert seen["group"] == "kb.commands"
