"""Commands for the organiser's study record: the roster, sign-in sheets, 补学, study outputs, plan
completion, the yearly assessment and its exports (考核评价表, 年度学习档案, 学习情况通报)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kb.commands.common import date_arg, open_from_args, print_json, year_arg
from kb.errors import KBError
from kb.records import COMPLETION_LABELS, OUTPUT_TYPES, SIGNIN_LABELS


def _yes_no(value: str) -> bool:
    if value in ("是", "yes", "y", "true", "1"):
        return True
    if value in ("否", "no", "n", "false", "0"):
        return False
    raise argparse.ArgumentTypeError(f"{value} 无效：填 是 或 否")


def _write(data: bytes, output: str) -> None:
    from kb.export import write_file

    print(f"已导出 {write_file(data, Path(output))}")


# ---- roster ---------------------------------------------------------------------------------------------
def cmd_roster_list(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        members = kb.roster.members(args.year)
    if args.json:
        print_json([m.to_dict() for m in members])
        return 0
    if not members:
        print("名册为空：用 kb roster add 姓名 --post 职务 登记中心组成员。")
    for number, m in enumerate(members, start=1):
        span = f"　{m.joined or '—'} 至 {m.left or '今'}" if m.joined or m.left else ""
        other = f"　别名：{'、'.join(m.aliases)}" if m.aliases else ""
        print(f"{number:>2}. {m.name}　{m.post or '—'}{span}{other}")
    return 0


def cmd_roster_add(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        m = kb.roster.add_member(args.name, post=args.post or "", joined=args.joined, left=args.left)
    print(f"已登记成员 {m.name}（{m.post or '职务未填'}）")
    return 0


def cmd_roster_edit(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        m = kb.roster.update_member(args.name, new_name=args.new_name, post=args.post, joined=args.joined,
                                    left=args.left, position=args.position)
    print(f"已保存 {m.name}：{m.post or '职务未填'}，任职 {m.joined or '—'} 至 {m.left or '今'}")
    return 0


def cmd_roster_remove(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        m = kb.roster.remove_member(args.name)
    print(f"已从名册删除 {m.name}")
    return 0


HOW = {"name": "名册姓名", "alias": "别名", "ignored": "已忽略", "unmatched": "未对应"}


def cmd_roster_names(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        uses = kb.roster.names(args.year)
    if args.json:
        print_json([u.to_dict() for u in uses])
        return 0
    for u in uses:
        hint = f"（可能是：{'、'.join(u.suggestions)}）" if u.suggestions else ""
        who = f" → {u.member}" if u.member and u.how != "name" else ""
        print(f"{HOW[u.how]:<4}  {u.name}{who}{hint}　出现 {len(u.sessions)} 次")
    unmatched = sum(u.how == "unmatched" for u in uses)
    if unmatched:
        print(f"{unmatched} 个名字未对应名册：kb roster alias 名字 成员 说明是谁，或 kb roster ignore 名字 忽略")
    return 0


def cmd_roster_alias(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        use = kb.roster.map_name(args.alias, args.member)
    print(f"已登记：纪要中的“{use.name}”即 {use.member}")
    return 0


def cmd_roster_ignore(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        kb.roster.map_name(args.alias, None)
    print(f"已忽略纪要中的“{args.alias}”（不计入签到）")
    return 0


def cmd_roster_unalias(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        kb.roster.unmap_name(args.alias)
    print(f"已取消“{args.alias}”的登记")
    return 0


# ---- sign-in and 补学 -----------------------------------------------------------------------------------
def print_sheet(sheet) -> None:
    s = sheet.session
    print(f"{s.label}　[纪要 {s.doc_id}]")
    print(f"出席 {sheet.count('present')}　请假 {sheet.count('leave')}　缺席 {sheet.count('absent')}")
    for row in sheet.rows:
        extra = [f"事由：{row.reason}"] if row.reason else []
        if row.makeup:
            extra.append(f"{row.makeup.date} 补学" + ("，有心得体会" if row.makeup.reflection else "，无心得体会"))
        flags = ("　重点发言" if row.lead else "") + ("　（组织者登记）" if row.recorded else "")
        print(f"  {row.member}　{row.status_label}{flags}{'　' + '；'.join(extra) if extra else ''}")
    if sheet.unmatched:
        print(f"  未对应名册的名字：{'、'.join(sheet.unmatched)}（kb roster names 处理）")


def cmd_signin_show(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        sheets = [kb.roster.sheet(args.session)] if args.session else kb.roster.sheets(args.year)
    if args.json:
        print_json([s.to_dict() for s in sheets])
        return 0
    for sheet in sheets:
        print_sheet(sheet)
    return 0


def cmd_signin_set(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        row = kb.roster.sign(args.session, args.member, status=args.status, reason=args.reason, lead=args.lead,
                             reset=args.reset)
    print(f"已登记 {row.member}：{row.status_label}" + (f"（{row.reason}）" if row.reason else "")
          + ("，重点发言" if row.lead else "") + ("" if row.recorded else "（按纪要）"))
    return 0


def cmd_makeup_add(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        m = kb.roster.record_makeup(args.session, args.member, date=args.date, studied=args.studied or (),
                                    reflection=args.reflection, note=args.note)
    print(f"已登记 {m.member} {m.date} 补学 {m.session_label}" + (f"，心得体会《{m.reflection[1]}》" if m.reflection
                                                                 else "（尚未提交心得体会）"))
    return 0


def cmd_makeup_remove(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        kb.roster.remove_makeup(args.session, args.member)
    print("已删除补学记录")
    return 0


def cmd_makeup_list(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        found = kb.roster.makeups(args.year, args.member)
    if args.json:
        print_json([m.to_dict() for m in found])
        return 0
    if not found:
        print("没有补学记录。")
    for m in found:
        studied = "、".join(f"《{t}》" for _, t in m.studied) or "—"
        reflection = f"《{m.reflection[1]}》" if m.reflection else "未提交"
        print(f"{m.date}  {m.member}  补学 {m.session_label}\n            学习：{studied}　心得体会：{reflection}")
    return 0


# ---- study outputs --------------------------------------------------------------------------------------
def cmd_outputs_list(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        found = kb.outputs.all(args.year, args.member)
        loose = kb.outputs.unattributed()
    if args.json:
        print_json({"outputs": [o.to_dict() for o in found],
                    "unattributed": [{"id": d.id, "title": d.title} for d in loose]})
        return 0
    for o in found:
        where = o.session_label or (f"{o.year}年计划{o.month}月" if o.month else f"{o.year}年")
        outcome = f"\n            成果转化：{o.outcome}" if o.outcome else ""
        print(f"{o.type:<6}  {o.member or '—'}  《{o.title}》  {where}  [文档 {o.doc_id}]{outcome}")
    if loose:
        print(f"尚未登记作者的学习成果 {len(loose)} 篇：" + "；".join(f"{d.id} {d.title}" for d in loose))
    if not found and not loose:
        print("没有学习成果：用 kb outputs add 文件 --type 心得体会 --member 姓名 导入并登记。")
    return 0


def cmd_outputs_add(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        ref = args.document
        if Path(ref).is_file():  # a file: import it as a study output first (an unchanged file costs nothing)
            report = kb.ingest([ref], kind="output")
            entries = report.added + report.updated + report.unchanged + report.duplicates
            if not entries:
                reason = report.skipped[0].reason if report.skipped else "无法读取"
                print(f"错误: 无法导入 {ref}：{reason}")
                return 1
            ref = entries[0].doc_id
        o = kb.outputs.attribute(ref, type=args.type, member=args.member, year=args.year, session=args.session,
                                 month=args.month, outcome=args.outcome)
    print(f"已登记学习成果：{o.member} {o.type}《{o.title}》（{o.year} 年）[文档 {o.doc_id}]")
    return 0


def cmd_outputs_outcome(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        o = kb.outputs.set_outcome(args.document, args.outcome)
    print(f"已登记《{o.title}》的成果转化：{o.outcome or '（已清空）'}")
    return 0


def cmd_outputs_remove(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        kb.outputs.forget(args.document)
    print("已撤销学习成果登记（文档仍在资料库中）")
    return 0


# ---- plan completion and assessment ---------------------------------------------------------------------
def cmd_completion(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        months, unplanned = kb.assessment.completion(args.year)
    if args.json:
        print_json({"months": [m.to_dict() for m in months], "unplanned": [s.label for s in unplanned]})
        return 0
    for m in months:
        held = f" ← {m.session.label}" if m.session else ""
        mark = "（已核定）" if m.corrected else ""
        print(f"{m.month:>2}月  {COMPLETION_LABELS[m.status]:<6}  {m.theme}{held}{mark}")
    if unplanned:
        print("计划外：" + "；".join(s.label for s in unplanned))
    return 0


def cmd_completion_set(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        m = kb.assessment.set_held(args.year, args.month, None if args.none else args.session, reset=args.reset)
    print(f"{m.month}月  {COMPLETION_LABELS[m.status]}" + (f" ← {m.session.label}" if m.session else ""))
    return 0


def print_member(m) -> None:
    verdict = "达标" if m.passed else "未达标"
    print(f"{m.name:<4}  应参加 {m.due}  出席 {m.attended}  请假 {m.leave}  缺席 {m.absent}  补学 {m.made_up}  "
          f"出勤率 {m.rate:.0%}  重点发言 {m.lead}  心得体会 {m.reflections}  研讨发言 {m.speeches}  "
          f"调研报告 {m.reports}  成果转化 {m.outcomes}  {verdict}")
    for line in m.shortfalls:
        print(f"      · {line}")


def cmd_assess(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        if args.member:
            assessment, rows, outputs = kb.assessment.member(args.member, args.year)
            if args.json:
                print_json({"assessment": assessment.to_dict(),
                            "signins": [{"session": s.label, **r.to_dict()} for s, r in rows],
                            "outputs": [o.to_dict() for o in outputs]})
                return 0
            print_member(assessment)
            for session, row in rows:
                print(f"      {session.label}：{row.status_label}" + ("，重点发言" if row.lead else ""))
            return 0
        group = kb.assessment.group(args.year)
        if not group.sessions and not args.json:  # nothing to assess: not eleven members at 100 % who fall short
            years = sorted({s.year for s in kb.archive.sessions() if s.year})
            known = f"；有记录的年份：{'、'.join(map(str, years))}" if years else ""
            raise KBError(f"{args.year} 年没有集体学习记录，无从考核：先导入该年的会议纪要"
                          f"（kb ingest 路径 --kind minutes）{known}")
    if args.json:
        print_json(group.to_dict())
        return 0
    print(f"{group.year} 年：集体学习 {len(group.sessions)} 次"
          + (f"，计划完成率 {group.completion:.0%}" if group.completion is not None else "")
          + (f"，平均出勤率 {group.attendance:.0%}" if group.attendance is not None else ""))
    print(f"考核标准：{group.rules.describe()}")
    for m in group.members:
        print_member(m)
    print(f"达标 {len(group.members) - len(group.short)} 人，未达标 {len(group.short)} 人")
    return 0


def cmd_assess_rules(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        given = {"min_attendance": args.min_attendance, "min_outputs": args.min_outputs,
                 "makeup_required": args.makeup_required, "reflection_required": args.reflection_required}
        changing = any(v is not None for v in given.values())
        rules = kb.assessment.set_rules(**given) if changing else kb.assessment.rules()
    print(f"考核标准：{rules.describe()}")
    return 0


def cmd_assess_export(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        data = kb.assessment.export_table(args.year, args.format)
    _write(data, args.output or f"{args.year}年考核评价表.{args.format}")
    return 0


def cmd_archive_volume(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        data = kb.assessment.export_volume(args.year, args.format)
    _write(data, args.output or f"{args.year}年度学习档案.{args.format}")
    return 0


def cmd_bulletin(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        data = kb.assessment.export_bulletin(args.year)
    _write(data, args.output or f"{args.year}年度学习情况通报.docx")
    return 0


def register(sub) -> None:
    roster = sub.add_parser("roster", help="中心组成员名册：成员、别名、纪要中的名字").add_subparsers(
        dest="roster_command", required=True, metavar="{list,add,edit,remove,names,alias,ignore,unalias}")
    p = roster.add_parser("list", help="列出名册（按排序）")
    p.set_defaults(func=cmd_roster_list)
    p.add_argument("--year", type=year_arg, help="只列该年在任的成员")
    p.add_argument("--json", action="store_true")
    p = roster.add_parser("add", help="登记成员")
    p.set_defaults(func=cmd_roster_add)
    p.add_argument("name", help="姓名")
    p.add_argument("--post", help="职务，如 县委常委、组织部部长")
    p.add_argument("--joined", type=date_arg, help="任职日期（此前的学习不计入应参加）")
    p.add_argument("--left", type=date_arg, help="离任日期（此后的学习不计入应参加）")
    p = roster.add_parser("edit", help="修改成员的姓名、职务、任职离任日期或排序")
    p.set_defaults(func=cmd_roster_edit)
    p.add_argument("name", help="姓名或别名")
    p.add_argument("--name", dest="new_name", help="新姓名")
    p.add_argument("--post", help="职务")
    p.add_argument("--joined", help="任职日期（空字符串清除）")
    p.add_argument("--left", help="离任日期（空字符串清除）")
    p.add_argument("--position", type=int, help="在名册中的位次（1 为第一）")
    p = roster.add_parser("remove", help="删除没有任何记录的成员（已有记录的请登记离任日期）")
    p.set_defaults(func=cmd_roster_remove)
    p.add_argument("name")
    p = roster.add_parser("names", help="纪要中出现的名字及其对应的成员，未对应的排在前面")
    p.set_defaults(func=cmd_roster_names)
    p.add_argument("--year", type=year_arg)
    p.add_argument("--json", action="store_true")
    p = roster.add_parser("alias", help="说明纪要中的某个名字是哪位成员，如 张书记 → 张建华")
    p.set_defaults(func=cmd_roster_alias)
    p.add_argument("alias", help="纪要中的名字")
    p.add_argument("member", help="名册中的成员")
    p = roster.add_parser("ignore", help="忽略纪要中的某个名字（列席人员、记录人等）")
    p.set_defaults(func=cmd_roster_ignore)
    p.add_argument("alias")
    p = roster.add_parser("unalias", help="取消别名或忽略")
    p.set_defaults(func=cmd_roster_unalias)
    p.add_argument("alias")

    signin = sub.add_parser("signin", help="签到：每次学习每位成员出席、请假或缺席").add_subparsers(
        dest="signin_command", required=True, metavar="{show,set}")
    p = signin.add_parser("show", help="查看签到表（一次学习，或某年全部）")
    p.set_defaults(func=cmd_signin_show)
    p.add_argument("session", nargs="?", help="会议纪要的编号、标题或文件名（不填则列出全部）")
    p.add_argument("--year", type=year_arg)
    p.add_argument("--json", action="store_true")
    p = signin.add_parser("set", help="登记签到（组织者的登记优先于纪要）")
    p.set_defaults(func=cmd_signin_set)
    p.add_argument("session", help="会议纪要的编号、标题或文件名")
    p.add_argument("member", help="成员姓名或别名")
    p.add_argument("--status", choices=list(SIGNIN_LABELS.values()), help="出席、请假或缺席")
    p.add_argument("--reason", help="请假事由")
    p.add_argument("--lead", type=_yes_no, help="是否重点发言：是 / 否")
    p.add_argument("--reset", action="store_true", help="撤销登记，恢复按纪要")

    makeup = sub.add_parser("makeup", help="补学：缺课成员的补学登记").add_subparsers(
        dest="makeup_command", required=True, metavar="{add,remove,list}")
    p = makeup.add_parser("add", help="登记补学")
    p.set_defaults(func=cmd_makeup_add)
    p.add_argument("session", help="缺课的那次学习的纪要编号、标题或文件名")
    p.add_argument("member", help="成员姓名或别名")
    p.add_argument("--date", required=True, type=date_arg, help="补学日期")
    p.add_argument("--studied", action="append", help="补学的材料（文档编号、标题或文件名，可重复）")
    p.add_argument("--reflection", help="补学心得体会（已作为学习成果导入的文档）")
    p.add_argument("--note", help="备注")
    p = makeup.add_parser("remove", help="删除补学记录")
    p.set_defaults(func=cmd_makeup_remove)
    p.add_argument("session")
    p.add_argument("member")
    p = makeup.add_parser("list", help="列出补学记录")
    p.set_defaults(func=cmd_makeup_list)
    p.add_argument("--year", type=year_arg)
    p.add_argument("--member")
    p.add_argument("--json", action="store_true")

    outputs = sub.add_parser("outputs", help="学习成果：心得体会、研讨发言材料、调研报告").add_subparsers(
        dest="outputs_command", required=True, metavar="{list,add,outcome,remove}")
    p = outputs.add_parser("list", help="列出学习成果（及尚未登记作者的）")
    p.set_defaults(func=cmd_outputs_list)
    p.add_argument("--year", type=year_arg)
    p.add_argument("--member")
    p.add_argument("--json", action="store_true")
    p = outputs.add_parser("add", help="导入文件（或选已导入的文档）并登记为某位成员的学习成果")
    p.set_defaults(func=cmd_outputs_add)
    p.add_argument("document", help="文件路径，或已导入文档的编号、标题、文件名")
    p.add_argument("--type", required=True, choices=OUTPUT_TYPES)
    p.add_argument("--member", required=True, help="作者（成员姓名或别名）")
    p.add_argument("--year", type=year_arg, help="年度（默认取对应学习或文档日期的年份）")
    p.add_argument("--session", help="对应的那次学习（纪要编号、标题或文件名）")
    p.add_argument("--month", type=int, help="对应的学习计划月份")
    p.add_argument("--outcome", help="成果转化情况（形成的措施、制度或政策）")
    p = outputs.add_parser("outcome", help="登记成果转化情况（空字符串清除）")
    p.set_defaults(func=cmd_outputs_outcome)
    p.add_argument("document")
    p.add_argument("outcome")
    p = outputs.add_parser("remove", help="撤销学习成果登记（文档保留）")
    p.set_defaults(func=cmd_outputs_remove)
    p.add_argument("document")

    assess = sub.add_parser("assess", help="考核评价：计划完成情况、成员考核、考核标准与导出").add_subparsers(
        dest="assess_command", required=True, metavar="{show,completion,held,rules,export}")
    p = assess.add_parser("show", help="一年的考核结果（全体，或 --member 一人）")
    p.set_defaults(func=cmd_assess)
    p.add_argument("year", type=year_arg)
    p.add_argument("--member", help="只看一位成员（成员本人可查看自己的）")
    p.add_argument("--json", action="store_true")
    p = assess.add_parser("completion", help="学习计划完成情况：各月主题按期开展、调整时间、未开展")
    p.set_defaults(func=cmd_completion)
    p.add_argument("year", type=year_arg)
    p.add_argument("--json", action="store_true")
    p = assess.add_parser("held", help="核定某月计划主题由哪次学习完成")
    p.set_defaults(func=cmd_completion_set)
    p.add_argument("year", type=year_arg)
    p.add_argument("month", type=int)
    p.add_argument("session", nargs="?", help="完成该月主题的那次学习（纪要编号、标题或文件名）")
    p.add_argument("--none", action="store_true", help="该月主题未开展")
    p.add_argument("--reset", action="store_true", help="恢复按日期和主题自动对应")
    p = assess.add_parser("rules", help="查看或修改考核标准")
    p.set_defaults(func=cmd_assess_rules)
    p.add_argument("--min-attendance", type=float, help="出勤率下限，如 0.8")
    p.add_argument("--min-outputs", type=int, help="每年心得体会或调研报告篇数下限")
    p.add_argument("--makeup-required", type=_yes_no, help="缺课是否须补学：是 / 否")
    p.add_argument("--reflection-required", type=_yes_no, help="补学是否须提交心得体会：是 / 否")
    p = assess.add_parser("export", help="导出考核评价表（xlsx 或 csv）")
    p.set_defaults(func=cmd_assess_export)
    p.add_argument("year", type=year_arg)
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    p.add_argument("-o", "--output", help="输出文件（默认 <年>年考核评价表.<格式>）")

    p = sub.add_parser("archive-volume", help="导出年度学习档案（档案专卷）：docx、pdf，或含原文件的 zip")
    p.set_defaults(func=cmd_archive_volume)
    p.add_argument("year", type=year_arg)
    p.add_argument("--format", choices=["docx", "pdf", "zip"], default="docx")
    p.add_argument("-o", "--output", help="输出文件（默认 <年>年度学习档案.<格式>）")

    p = sub.add_parser("bulletin", help="导出一页的学习情况通报（docx，报上级党委）")
    p.set_defaults(func=cmd_bulletin)
    p.add_argument("year", type=year_arg)
    p.add_argument("-o", "--output", help="输出文件（默认 <年>年度学习情况通报.docx）")
