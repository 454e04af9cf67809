"""`kb serve` (本机模式 on loopback only; --lan needs an administrator account) and the account, roots,
login-policy and audit commands — the CLI acting as the local administrator."""

from __future__ import annotations

import argparse
import io
import json
import sys

import pytest

from kb import cli
from kb.commands import serve


@pytest.fixture(autouse=True)
def model(fake_model):
    return fake_model


def run(capsys, monkeypatch, *argv, stdin: str | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def plan(data, *argv):
    args = cli.build_parser(extra=[]).parse_args(["--data", str(data), "serve", *argv])
    return serve.plan(args)


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.8.9.1", True), ("localhost", True),
                                                ("::1", True), ("[::1]", True), ("0.0.0.0", False),
                                                ("192.168.1.5", False), ("", False), (None, False)])
def test_loopback_addresses(host, loopback):
    assert serve.is_loopback(host) is loopback


def test_local_mode_listens_on_loopback_only(tmp_path, monkeypatch):
    monkeypatch.delenv("KB_HOST", raising=False)
    monkeypatch.delenv("KB_PORT", raising=False)
    command, env, message = plan(tmp_path / "data")
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8501"
    assert command[command.index("--client.showErrorDetails") + 1] == "none"
    assert env[serve.ENV_MODE] == serve.LOCAL and env["KB_DATA"] == str(tmp_path / "data")
    assert "本机模式" in message and "127.0.0.1:8501" in message and "kb serve --lan" in message
    with pytest.raises(Exception, match="本机模式只在本机地址（127.0.0.1）上提供服务，不能监听 0.0.0.0"):
        plan(tmp_path / "data", "--host", "0.0.0.0")
    monkeypatch.setenv("KB_HOST", "0.0.0.0")  # KB_HOST is for --lan only
    command, _, _ = plan(tmp_path / "data", "--port", "8600")
    assert command[command.index("--server.address") + 1] == "127.0.0.1" and "8600" in command


def test_lan_mode_needs_an_administrator_on_a_network_address(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.delenv("KB_HOST", raising=False)
    with pytest.raises(Exception, match="还没有启用的管理员账号.*kb user-add 姓名 --role admin"):
        plan(data, "--lan")
    with pytest.raises(Exception, match="还没有启用的管理员账号"):
        plan(data, "--lan", "--host", "192.168.1.5")
    code, _, err = run(capsys, monkeypatch, "--data", data, "serve", "--lan")
    assert code == 1 and err.startswith("错误：还没有启用的管理员账号")
    # On loopback it starts (an administrator may create accounts from this computer first).
    command, env, message = plan(data, "--lan", "--host", "127.0.0.1")
    assert env[serve.ENV_MODE] == serve.LAN and "需要登录" in message and "kb user-add" in message
    run(capsys, monkeypatch, "--data", data, "user-add", "管理员", "--role", "admin", "--password-stdin",
        stdin="admin-pass-1\n")
    monkeypatch.setenv("KB_HOST", "10.1.2.3")
    command, env, message = plan(data, "--lan", "--port", "9000")
    assert command[command.index("--server.address") + 1] == "10.1.2.3" and "9000" in command
    assert env[serve.ENV_MODE] == serve.LAN and "http://10.1.2.3:9000" in message


def test_account_commands(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    code, out, _ = run(capsys, monkeypatch, "--data", data, "user-add", "张三", "--role", "member", "--password-stdin",
                       stdin="zhangsan-pass\n")
    assert code == 0 and out.strip() == "已创建账号 张三（成员）"
    code, _, err = run(capsys, monkeypatch, "--data", data, "user-add", "李四", "--role", "admin", "--password-stdin",
                       stdin="short\n")
    assert code == 1 and "密码至少 8 个字符" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal, no --password-stdin
    code, _, err = run(capsys, monkeypatch, "--data", data, "user-add", "李四", "--role", "admin")
    assert code == 1 and "--password-stdin" in err
    run(capsys, monkeypatch, "--data", data, "user-add", "李四", "--role", "admin", "--password-stdin",
        stdin="lisi-password\n")
    code, out, _ = run(capsys, monkeypatch, "--data", data, "user-role", "张三", "organiser")
    assert out.strip() == "张三 现在是组织者"
    code, out, _ = run(capsys, monkeypatch, "--data", data, "user-disable", "张三")
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, "--data", data, "user-list")
    assert out.splitlines()[0].startswith("张三\t组织者  已停用") and out.splitlines()[1].startswith("李四\t管理员")
    code, out, _ = run(capsys, monkeypatch, "--data", data, "user-enable", "张三")
    code, out, _ = run(capsys, monkeypatch, "--data", data, "user-passwd", "张三", "--password-stdin",
                       stdin="zhangsan-new-1\n")
    assert code == 0 and "已重置 张三 的密码" in out
    code, out, _ = run(capsys, monkeypatch, "--data", data, "user-list", "--json")
    assert [(a["name"], a["role"], a["enabled"]) for a in json.loads(out)] == [("张三", "organiser", True),
                                                                                ("李四", "admin", True)]
    assert "zhangsan" not in (data / "kb.sqlite3").read_bytes().decode("utf-8", "replace")


def test_roots_policy_and_audit_commands(tmp_path, capsys, monkeypatch):
    data, folder = tmp_path / "data", tmp_path / "资料"
    folder.mkdir()
    code, out, _ = run(capsys, monkeypatch, "--data", data, "roots", "add", folder)
    assert code == 0 and str(folder.resolve()) in out
    code, out, _ = run(capsys, monkeypatch, "--data", data, "roots", "list")
    assert out.strip() == str(folder.resolve())
    code, _, err = run(capsys, monkeypatch, "--data", data, "roots", "add", "/etc")
    assert code == 1 and "系统文件夹" in err
    code, _, err = run(capsys, monkeypatch, "--data", data, "roots", "add")
    assert code == 1 and "需要文件夹路径" in err
    code, out, _ = run(capsys, monkeypatch, "--data", data, "login-policy", "--max-failures", "3")
    assert "连续输错密码的次数上限：3" in out and "锁定分钟数：15" in out
    code, _, err = run(capsys, monkeypatch, "--data", data, "login-policy", "--idle-minutes", "1")
    assert code == 1 and "无操作自动退出的分钟数应为 5 到" in err
    run(capsys, monkeypatch, "--data", data, "roots", "remove", folder)
    code, out, _ = run(capsys, monkeypatch, "--data", data, "audit", "--action", "settings")
    lines = out.splitlines()  # oldest first: add, add /etc, policy, bad policy, remove
    assert all("本机管理员  修改设置[settings" in line for line in lines)  # what it was, and the code to filter by
    assert ["  未成功" in line for line in lines] == [False, True, False, True, False]
    assert all("  成功" in line for line in lines if "  未成功" not in line)
    code, out, _ = run(capsys, monkeypatch, "--data", data, "audit", "--csv", tmp_path / "日志.csv")
    text = (tmp_path / "日志.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "时间,账号,角色,操作,对象,结果,说明" and "修改设置" in text
    code, out, _ = run(capsys, monkeypatch, "--data", data, "audit", "--json", "--limit", "1")
    assert json.loads(out)[0]["action"] == "export"  # the CSV export just made


def test_serve_is_registered(tmp_path):
    parser = cli.build_parser(extra=[])
    args = parser.parse_args(["serve", "--lan", "--port", "8502"])
    assert isinstance(args, argparse.Namespace) and args.lan and args.port == 8502 and args.func is serve.cmd_serve
