"""`kb serve`: start the web UI, on this computer only (本机模式) or for the office network (局域网模式).

本机模式 (the default, and what scripts/start.sh runs) listens on 127.0.0.1 only and needs no login:
whoever sits at this computer is its local administrator. `--lan` serves the network and requires a
login; it refuses a non-loopback address while no enabled administrator account exists. The app
learns its mode from the environment variable ENV_MODE, which only this command sets — nothing a
browser sends can switch it.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path

from kb.commands.common import local_dir_from_args, open_from_args
from kb.errors import InvalidInput, KBError

ENV_MODE = "KB_UI_MODE"  # read by kb/ui/session.py
LAN, LOCAL = "lan", "local"
ENV_HOST, ENV_PORT = "KB_HOST", "KB_PORT"
DEFAULT_PORT = 8501
APP = Path(__file__).resolve().parents[2] / "app.py"  # the Streamlit entry beside the kb package


def is_loopback(host: str | None) -> bool:
    """Whether `host` is this computer only (127.x.x.x, ::1, localhost)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def lan_addresses() -> list[str]:
    """This computer's non-loopback IPv4 addresses, to tell people what to type (best effort)."""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        return []
    return sorted(a for a in found if not is_loopback(a))


def streamlit_command(host: str, port: int) -> list[str]:
    """Streamlit with every setting on the command line (no config file in the working folder needed):
    no error details or developer menu in the browser, no file watcher, uploads up to ingest's limit."""
    return [sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--server.fileWatcherType", "none", "--server.runOnSave", "false", "--server.maxUploadSize", "200",
            "--server.enableXsrfProtection", "true", "--server.enableCORS", "true",
            "--browser.gatherUsageStats", "false", "--client.showErrorDetails", "none",
            "--client.toolbarMode", "viewer", "--global.developmentMode", "false"]


def plan(args: argparse.Namespace) -> tuple[list[str], dict[str, str], str]:
    """(command, environment, what to tell the person) for `kb serve`; refusals are KBErrors."""
    from kb.library import ENV_DATA, ENV_LOCAL
    lan = bool(args.lan)
    host = args.host or (os.environ.get(ENV_HOST) if lan else None) or ("0.0.0.0" if lan else "127.0.0.1")
    if not lan and not is_loopback(host):
        raise InvalidInput(f"本机模式只在本机地址（127.0.0.1）上提供服务，不能监听 {host}：要让局域网内的电脑访问，"
                           "请用 kb serve --lan（需要登录）")
    port = args.port or int(os.environ.get(ENV_PORT) or DEFAULT_PORT)
    if not 1 <= port <= 65535:
        raise InvalidInput(f"端口 {port} 无效，应为 1 到 65535 之间的整数")
    if not APP.exists():
        raise KBError(f"找不到界面程序 {APP}：请在 kb 的源代码目录中安装（bash scripts/setup.sh）")
    with open_from_args(args) as kb:
        has_admin = kb.accounts.has_admin()
        # The location as given (a database URL stays a URL: kb.data_dir is only this machine's folder of it).
        data = str(args.data or os.environ.get(ENV_DATA) or kb.data_dir)
    if lan and not is_loopback(host) and not has_admin:
        raise KBError("还没有启用的管理员账号，不能在局域网上提供服务：请先运行 kb user-add 姓名 --role admin "
                      "创建管理员账号，再运行 kb serve --lan")
    env = {**os.environ, ENV_MODE: LAN if lan else LOCAL, ENV_DATA: data}
    if local := local_dir_from_args(args):
        env[ENV_LOCAL] = local
    if lan:
        where = [f"http://{a}:{port}" for a in lan_addresses()] if host in ("0.0.0.0", "::") else [
            f"http://{host}:{port}"]
        message = (f"局域网模式：在 {host}:{port} 上提供服务，访问时需要登录（账号用 kb user-add 创建）。"
                   + (f"\n局域网内的电脑请打开：{'、'.join(where)}" if where else ""))
        if not has_admin:
            message += "\n注意：还没有启用的管理员账号，无法登录管理：请运行 kb user-add 姓名 --role admin"
    else:
        message = (f"本机模式：只有这台电脑能打开 http://127.0.0.1:{port} ，无需登录。\n要让局域网内的其他电脑使用，"
                   "请先创建管理员账号（kb user-add 姓名 --role admin），再运行 kb serve --lan。")
    return streamlit_command(host, port), env, message


def cmd_serve(args: argparse.Namespace) -> int:
    command, env, message = plan(args)
    print(message, flush=True)
    os.execve(command[0], command, env)  # the server takes this process's place (and its PID)


def register(sub) -> None:
    p = sub.add_parser("serve", help="启动网页界面：默认仅本机访问（本机模式）；--lan 为局域网提供服务（需要登录）")
    p.set_defaults(func=cmd_serve)
    p.add_argument("--lan", action="store_true", help="为局域网提供服务：需要登录，且须先有管理员账号")
    p.add_argument("--host", help="监听地址（--lan 时默认 $KB_HOST 或 0.0.0.0；本机模式只能是 127.0.0.1）")
    p.add_argument("--port", type=int, help=f"端口（默认 $KB_PORT 或 {DEFAULT_PORT}）")
