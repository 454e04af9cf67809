"""Commands on accounts, import roots, the login policy and the audit log (the CLI acts as the local
administrator: whoever can open the data directory)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from kb.commands.common import date_arg, open_from_args, print_json
from kb.errors import InvalidInput
from kb.library import ACTIONS, OUTCOME_LABELS
from kb.records import AuditQuery, LoginPolicy

ROLE_NAMES = {"member": "成员", "organiser": "组织者", "admin": "管理员"}


def read_password(args: argparse.Namespace, prompt: str = "密码") -> str:
    """A new password: from stdin with --password-stdin (one line, for scripts), else typed twice
    without echo. Never from the command line, where every user of the machine could read it."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InvalidInput("请在终端中运行以输入密码，或用 --password-stdin 从标准输入读入")
    first = getpass.getpass(f"{prompt}（至少 8 个字符）：")
    if getpass.getpass(f"再输入一次{prompt}：") != first:
        raise InvalidInput("两次输入的密码不一致")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:
    password = read_password(args)
    with open_from_args(args) as kb:
        account = kb.accounts.add(args.name, args.role, password)
    print(f"已创建账号 {account.name}（{ROLE_NAMES[account.role]}）")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        accounts = kb.accounts.all()
    if args.json:
        print_json([vars(a) for a in accounts])
        return 0
    if not accounts:
        print("还没有账号：用 kb user-add 姓名 --role admin 创建管理员账号。")
    for a in accounts:
        state = "" if a.enabled else "  已停用"
        last = f"  最近登录 {a.last_login_at.replace('T', ' ')}" if a.last_login_at else ""
        print(f"{a.name}\t{ROLE_NAMES[a.role]}{state}{last}")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    password = read_password(args, "新密码")
    with open_from_args(args) as kb:
        kb.accounts.reset_password(args.name, password)
    print(f"已重置 {args.name} 的密码（其已登录的会话都已退出，锁定已解除）")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        kb.accounts.set_enabled(args.name, False)
    print(f"已停用账号 {args.name}（其已登录的会话都已退出）")
    return 0


def cmd_user_enable(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        kb.accounts.set_enabled(args.name, True)
    print(f"已启用账号 {args.name}")
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        account = kb.accounts.set_role(args.name, args.role)
    print(f"{account.name} 现在是{ROLE_NAMES[account.role]}")
    return 0


def cmd_roots(args: argparse.Namespace) -> int:
    if args.action in ("add", "remove") and not args.path:
        raise InvalidInput(f"kb roots {args.action} 需要文件夹路径")
    with open_from_args(args) as kb:
        if args.action == "add":
            print(f"已添加导入目录 {kb.roots.add(args.path)}")
        elif args.action == "remove":
            kb.roots.remove(args.path)
            print(f"已移除导入目录 {args.path}")
        roots = kb.roots.all()
    if args.action == "list":
        if not roots:
            print("还没有导入目录：用 kb roots add 文件夹路径 添加；局域网模式下管理员只能从这些文件夹导入。")
        for root in roots:
            print(root)
    return 0


def cmd_classified(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        if args.allow or args.refuse:
            kb.allow_classified(bool(args.allow))
        allowed = kb.classified_allowed()
    if allowed:
        print("允许导入涉密文件（首页标有绝密、机密、秘密的文件）：只应在经批准的涉密网络上这样设置。"
              "恢复默认：kb classified --refuse")
    else:
        print("不导入涉密文件（默认）：首页标有绝密、机密、秘密的文件在导入时被拒绝，并在导入报告中说明原因。")
    return 0


def cmd_login_policy(args: argparse.Namespace) -> int:
    changes = {name: getattr(args, name) for name in LoginPolicy.LIMITS if getattr(args, name) is not None}
    with open_from_args(args) as kb:
        policy = kb.accounts.set_policy(**changes) if changes else kb.accounts.policy()
    for name, label in LoginPolicy.LABELS.items():
        print(f"{label}：{getattr(policy, name)}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    query = AuditQuery(actor=args.user, action=args.action, since=args.since, until=args.until)
    with open_from_args(args) as kb:
        if args.csv:
            from kb.export import suggested_filename, write_file

            path = write_file(kb.audit.export_csv(query), args.csv, suggested_filename("操作日志", "csv"))
            print(f"已导出 {path}")
            return 0
        entries = kb.audit.entries(query, limit=args.limit)
    if args.json:
        print_json([vars(e) for e in entries])
        return 0
    if not entries:
        print("没有符合条件的操作记录。")
    for e in reversed(entries):
        target = f"  {e.target}" if e.target else ""
        detail = f"  （{e.detail}）" if e.detail else ""
        action = ACTIONS[e.action].label if e.action in ACTIONS else ""  # named, with the code --action takes
        print(f"{e.at.replace('T', ' ')}  {e.actor}  {action}[{e.action}]{target}  "
              f"{OUTCOME_LABELS.get(e.outcome, e.outcome)}{detail}")
    return 0


def register(sub) -> None:
    def with_password(p: argparse.ArgumentParser) -> None:
        p.add_argument("--password-stdin", action="store_true", help="从标准输入读入密码（一行），供脚本使用")

    p = sub.add_parser("user-add", help="新建账号（局域网模式下登录用）")
    p.set_defaults(func=cmd_user_add)
    p.add_argument("name", help="账号名")
    p.add_argument("--role", required=True, choices=list(ROLE_NAMES),
                   help="member（成员：检索、阅读、导出）| organiser（组织者：另可编辑清单、计划、更正记录、上传）"
                        "| admin（管理员：另可管理账号、删除文档、导入文件夹、修改设置、查看操作日志）")
    with_password(p)

    p = sub.add_parser("user-list", help="列出账号")
    p.set_defaults(func=cmd_user_list)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("user-passwd", help="重置账号的密码（并解除锁定）")
    p.set_defaults(func=cmd_user_passwd)
    p.add_argument("name")
    with_password(p)

    p = sub.add_parser("user-disable", help="停用账号")
    p.set_defaults(func=cmd_user_disable)
    p.add_argument("name")

    p = sub.add_parser("user-enable", help="重新启用账号")
    p.set_defaults(func=cmd_user_enable)
    p.add_argument("name")

    p = sub.add_parser("user-role", help="修改账号的角色")
    p.set_defaults(func=cmd_user_role)
    p.add_argument("name")
    p.add_argument("role", choices=list(ROLE_NAMES))

    p = sub.add_parser("roots", help="导入目录：局域网模式下只能从这些文件夹导入")
    p.set_defaults(func=cmd_roots)
    p.add_argument("action", choices=["list", "add", "remove"])
    p.add_argument("path", nargs="?", help="文件夹路径（add、remove 时需要）")

    p = sub.add_parser("classified", help="查看或修改是否允许导入涉密文件（默认不允许）")
    p.set_defaults(func=cmd_classified)
    choice = p.add_mutually_exclusive_group()
    choice.add_argument("--allow", action="store_true", help="允许导入（仅限经批准的涉密网络）")
    choice.add_argument("--refuse", action="store_true", help="不允许导入（默认）")

    p = sub.add_parser("login-policy", help="查看或修改登录设置：锁定次数与时长、会话有效期")
    p.set_defaults(func=cmd_login_policy)
    p.add_argument("--max-failures", dest="max_failures", type=int, help="连续输错密码几次后锁定")
    p.add_argument("--lockout-minutes", dest="lockout_minutes", type=int, help="锁定多少分钟")
    p.add_argument("--idle-minutes", dest="idle_minutes", type=int, help="无操作多少分钟后自动退出")
    p.add_argument("--session-hours", dest="session_hours", type=int, help="登录后最长有效多少小时")

    p = sub.add_parser("audit", help="操作日志：谁在何时做了什么")
    p.set_defaults(func=cmd_audit)
    p.add_argument("--user", help="只看这个账号")
    p.add_argument("--action", help="只看这种操作（输出中方括号里的代码），如 document.delete、login")
    p.add_argument("--since", type=date_arg, help="起始日期，如 2025-03-01")
    p.add_argument("--until", type=date_arg, help="截止日期（含当天）")
    p.add_argument("--limit", type=int, default=200, help="最多显示多少条（默认 200）")
    p.add_argument("--json", action="store_true")
    p.add_argument("--csv", type=Path, help="导出为 CSV 文件")

