"""`kb --help` and argparse's own messages are Chinese; an empty knowledge base says so."""

from __future__ import annotations

import pytest

from kb.cli import main

ENGLISH = ("usage:", "positional arguments", "options:", "show this help message", "error:",
           "the following arguments are required", "invalid int value", "invalid choice")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:  # argparse exits on --help and on bad arguments
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [["--help"], ["search", "--help"], ["list-export", "--help"]])
def test_help_is_chinese(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.startswith("用法：kb") and "选项" in out and "显示帮助并退出" in out
    assert not any(phrase in out for phrase in ENGLISH)


@pytest.mark.parametrize("argv, says", [
    (["search"], "缺少必需的参数：主题"),
    (["search", "-k", "x", "主题"], "参数 -k：无效的值：'x'"),
    (["serch", "主题"], "无效的选项：'serch'"),
    (["search", "主题", "--bogus"], "无法识别的参数：--bogus"),
])
def test_argument_errors_are_chinese(capsys, argv, says):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "错误" in err and says in err
    assert not any(phrase in err for phrase in ENGLISH)
    assert len(err.strip().splitlines()) == 1 and "-h" in err  # one line, saying where the usage is


def test_searching_an_empty_knowledge_base_says_it_is_empty(capsys, tmp_path, fake_model):
    code, out, err = run(capsys, "--data", tmp_path / "空", "search", "党风廉政建设")
    assert code == 1 and "知识库是空的" in err and "kb ingest" in err and str(tmp_path / "空") in err
    assert "没有找到相关内容" not in out
