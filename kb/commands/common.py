"""Helpers shared by the command modules: opening the knowledge base, filters, JSON output."""

from __future__ import annotations

import argparse
import json
import os
import sys

from kb.errors import InvalidInput
from kb.records import DATE, Filters


def local_dir_from_args(args: argparse.Namespace) -> str | None:
    """--local, else $KB_LOCAL: this machine's folder of a knowledge base on a database server."""
    from kb.library import ENV_LOCAL

    return getattr(args, "local", None) or os.environ.get(ENV_LOCAL) or None


def open_from_args(args: argparse.Namespace, **kwargs):
    """The knowledge base named by --data (imported late: `kb --help` should not load torch)."""
    from kb.library import open_kb

    return open_kb(args.data, show_progress=sys.stderr.isatty(), local_dir=local_dir_from_args(args), **kwargs)


def print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def date_arg(value: str) -> str:
    if not DATE.fullmatch(value):
        raise argparse.ArgumentTypeError(f"日期 {value} 格式不对，应为 2024、2024-03 或 2024-03-15")
    return value


def filters_from_args(args: argparse.Namespace) -> Filters:
    if args.since and args.until and args.since > args.until:
        raise InvalidInput(f"起始日期 {args.since} 晚于截止日期 {args.until}")
    return Filters(kind=args.kind, since=args.since, until=args.until, tags=tuple(args.tag or ()),
                   issuer=(args.issuer or "").strip() or None, genre=(args.genre or "").strip() or None,
                   year=args.year)


def year_arg(value: str) -> int:
    if not (value.isdigit() and len(value) == 4):
        raise argparse.ArgumentTypeError(f"年份 {value} 格式不对，应为四位数字，如 2024")
    return int(value)


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", choices=["theory", "minutes", "output"], help="只看理论文章、会议纪要或学习成果")
    parser.add_argument("--since", type=date_arg, help="起始日期，如 2024-01-01")
    parser.add_argument("--until", type=date_arg, help="截止日期，如 2024-12-31")
    parser.add_argument("--tag", action="append", help="标签（可重复，满足任一即可）")
    parser.add_argument("--issuer", help="发文机关，如 中共中央（联合发文的文件也算）")
    parser.add_argument("--genre", help="文种，如 通知、意见、讲话、报告")
    parser.add_argument("--year", type=year_arg, help="文档日期所在年份，如 2024")
