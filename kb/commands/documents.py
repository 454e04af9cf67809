"""Commands on documents: ingest, search, list, show, delete, reindex, stats, sample."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path

from kb.commands.common import (
    add_filter_options,
    filters_from_args,
    open_from_args,
    print_json,
)
from kb.errors import KBError
from kb.kinds import KIND_LABELS
from kb.records import gongwen_dict, nothing_matches_well, section_below


# ---- ingest / search / documents --------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    """Hand the import to the knowledge base's import worker (as the UI does) and follow it: each
    document is searchable by keywords, from any process, as soon as it is committed; the command
    returns once the vectors are computed too."""
    from kb.errors import KBError
    from kb.library import ReadOptions

    with open_from_args(args) as kb, file_progress() as progress:
        job = kb.submit_ingest(args.paths, kind=args.kind, tags=args.tag or (),
                               options=ReadOptions(ocr=False if args.no_ocr else None))
        while (job := kb.import_job(job.id, wait=0.2)).active:
            if progress and job.progress:
                progress(job.progress)
        if job.report is None:
            raise KBError(job.error or "导入未完成")
        report = job.report
    if args.json:
        print_json(report.summary())
    else:
        print_report(report)
    return 1 if report.nothing_read else 0


@contextmanager
def file_progress():
    """A progress callback drawing a bar of files read, then of vectors computed, on a terminal
    (nothing when piped)."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(unit="个文件", desc="读取", file=sys.stderr, leave=False) as bar:

        def update(p) -> None:
            if p.stage == "read":
                bar.total = p.total
                bar.n = p.done
                bar.set_postfix_str(Path(p.path).name[-30:], refresh=True)
            elif p.stage == "vectors":
                bar.set_description_str("语义向量（已可关键词检索）", refresh=False)
                bar.unit, bar.total, bar.n = "个片段", p.total, p.done
                bar.set_postfix_str("", refresh=True)
            elif p.stage == "done":
                bar.n = p.total
                bar.refresh()

        yield update


def print_report(report) -> None:
    sections = [("新增", report.added), ("更新", report.updated), ("未变", report.unchanged),
                ("重复", report.duplicates)]
    print(f"导入完成：新增 {len(report.added)}，更新 {len(report.updated)}，未变 {len(report.unchanged)}，"
          f"重复 {len(report.duplicates)}，跳过 {len(report.skipped)}；新编码片段 {report.encoded}"
          + (f"；其中 {len(report.near_duplicates)} 篇是已有文档的近似版本" if report.near_duplicates else ""))
    for label, entries in sections:
        for e in entries:
            extra = f"（{e.note}）" if e.note else ""
            print(f"  [{label}] {e.doc_id}  {e.title}  ← {e.path}{extra}")
    for s in report.skipped:
        print(f"  [跳过] {s.reason}")
    for w in report.warnings:
        print(f"  [提示] {w}")


def cmd_search(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        if kb.count_documents() == 0:
            raise KBError(f"知识库是空的（{kb.location}）：先用 kb ingest 路径 导入资料，或 kb sample 导入示例资料；"
                          "已有知识库请用 --data 或 KB_DATA 指明")
        hits = kb.search(args.query, k=args.k, filters=filters_from_args(args), per_doc=args.per_doc,
                         retriever=args.retriever, passages_per_doc=args.passages_per_doc)
    if args.json:
        print_json([h.to_dict() for h in hits])
        return 0
    if not hits:
        print("没有找到相关内容：换个说法，或放宽类型/日期/标签筛选。")
        return 0
    if nothing_matches_well(hits):
        print("没有与这个主题很匹配的内容，以下是最接近的结果，仅供参考：换个说法或选择预设主题再试。")
    for rank, h in enumerate(hits, 1):
        where = " · ".join(x for x in (h.date or "", KIND_LABELS.get(h.kind, h.kind), h.pages,
                                      " > ".join(section_below(h.title, h.section))) if x)
        badges = "".join(f"【{m}】" for m in h.marks)
        weak = "（匹配较弱）" if h.weak else ""
        print(f"{rank:>2}. {badges}{h.title}  [文档 {h.doc_id} · 片段 c{h.chunk_id}]  {where}  "
              f"相关度 {h.score:.3f}{weak}")
        if h.gongwen:
            print(f"    {gongwen_line(h.gongwen)}")
        if h.versions:
            print(f"    另见 {len(h.versions)} 个版本：{'、'.join(h.versions)}")
        print(f"    {h.marked_snippet()}")
    return 0


def gongwen_line(info) -> str:
    """发文机关 中共中央、国务院 · 中发〔2024〕3号 · 意见 · 2024-03-15 — the 公文 parts that are known."""
    parts = [f"发文机关 {info.issuer}" if info.issuer else "", info.number or "",
             f"文种 {info.kind}" if info.kind else "", f"成文日期 {info.date}" if info.date else ""]
    return " · ".join(p for p in parts if p)


def print_facets(facets) -> None:
    for label, values in (("发文机关", facets.issuers), ("文种", facets.genres), ("年份", facets.years)):
        if values:
            print(f"{label}：" + "、".join(f"{v}({n})" for v, n in values))


def cmd_list(args: argparse.Namespace) -> int:
    filters = filters_from_args(args)
    with open_from_args(args) as kb:
        docs = kb.documents(filters, order=args.sort)
        facets = kb.facets(filters) if args.facets else None
    if args.json:
        listed = [{"id": d.id, "title": d.title, "kind": d.kind, "date": d.date, "path": d.path,
                   "tags": list(d.tags), "chunks": d.chunk_count, "chars": d.char_count,
                   "gongwen": gongwen_dict(d.gongwen), "marks": list(d.marks)} for d in docs]
        print_json({"documents": listed, "facets": facets.to_dict()} if facets else listed)
        return 0
    if not docs:
        print("没有符合条件的文档：放宽筛选条件，或用 kb ingest 路径 导入。" if not filters.is_empty()
              else "知识库中还没有文档：用 kb ingest 路径 导入。")
    for d in docs:
        tags = f"  #{' #'.join(d.tags)}" if d.tags else ""
        badges = "".join(f"【{m}】" for m in d.marks)
        number = f"（{d.gongwen.number}）" if d.gongwen and d.gongwen.number else ""
        print(f"{d.id}  {d.date or '——':<10}  {KIND_LABELS.get(d.kind, d.kind)}  {badges}{d.title}{number}{tags}")
    if facets:
        print_facets(facets)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        d = kb.document(args.doc)
        chunks = kb.chunks(d.id)
        versions = kb.versions(d.id)
    info = {"id": d.id, "title": d.title, "kind": d.kind, "date": d.date, "path": d.path,
            "format": d.format, "tags": list(d.tags), "pages": d.page_count, "chunks": d.chunk_count,
            "chars": d.char_count, "added_at": d.added_at, "updated_at": d.updated_at,
            "metadata": d.metadata, "warnings": list(d.warnings), "gongwen": gongwen_dict(d.gongwen),
            "classification": d.classification, "handling_marks": list(d.handling_marks),
            "versions": [{"id": v.document.id, "title": v.document.title, "path": v.document.path,
                          "similarity": v.similarity} for v in versions]}
    if d.minutes:
        m = d.minutes
        info["minutes"] = {"date": m.date, "location": m.location, "host": m.host,
                           "attendees": list(m.attendees), "recorder": m.recorder, "theme": m.theme,
                           "speakers": list(m.speakers)}
    if args.json:
        info["chunk_list"] = [{"id": c.id, "section": list(c.section), "page_start": c.page_start,
                               "page_end": c.page_end, "text": c.text} for c in chunks]
        print_json(info)
        return 0
    print(f"{d.title}\n编号 {d.id} · {KIND_LABELS.get(d.kind, d.kind)} · {d.date or '日期不详'} · {d.format.upper()}"
          f" · {d.page_count or '—'} 页 · {d.chunk_count} 个片段 · {d.char_count} 字")
    print(f"来源 {d.path}")
    if d.marks:
        print("标记 " + "".join(f"【{m}】" for m in d.marks))
    if d.gongwen:
        g = d.gongwen
        print(f"公文 {gongwen_line(g)}")
        if g.recipients:
            print(f"主送 {'、'.join(g.recipients)}")
        print(f"引用 {d.citation()}")
    if d.tags:
        print("标签 " + "、".join(d.tags))
    for v in versions:
        similar = f"，相似度 {v.similarity:.0%}" if v.similarity is not None else ""
        print(f"版本 另见 {v.document.id} {v.document.title}（{v.document.file_name}{similar}）")
    if d.minutes:
        m = d.minutes
        print(f"会议 {m.date or ''} {m.location or ''} 主持：{m.host or '—'}")
        print(f"主题 {m.theme or '—'}")
        print(f"参加 {'、'.join(m.attendees) or '—'}")
        print(f"发言 {'、'.join(m.speakers) or '—'}")
    for w in d.warnings:
        print(f"提示 {w}")
    if args.chunks:
        for c in chunks:
            headings = " > ".join(section_below(d.title, c.section))
            where = " · ".join(x for x in (f"第{c.page_start}页" if c.page_start else "", headings) if x)
            print(f"\n[{c.ordinal}] {where}\n{c.text}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        d = kb.delete(args.doc, purge=args.purge)
    print(f"已删除 {d.id} {d.title}" + ("，并已清除数据库中残留的文本" if args.purge else ""))
    return 0


def cmd_set_date(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        d = kb.set_date(args.doc, args.date)
    print(f"已将 {d.id} {d.title} 的日期改为 {d.date or '日期不详'}")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    with open_from_args(args, check_settings=False) as kb:  # rebuilding is how settings change
        result = kb.reindex(model=args.model)
    print(f"重建完成：模型 {result['model']}，{result['documents']} 篇文档，{result['chunks']} 个片段"
          f"（重新切分 {result['rechunked']} 篇）")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        stats = kb.stats()
    if args.json:
        print_json(stats)
        return 0
    last = stats["last_ingest"]
    if stats["on_server"]:
        print(f"数据库    {stats['location']}（格式版本 {stats['format_version']}）")
        print(f"本机目录  {stats['data_dir']}（索引与上传文件）")
    else:
        print(f"数据目录  {stats['data_dir']}（格式版本 {stats['format_version']}）")
    print(f"文档      {stats['documents']} 篇（理论文章 {stats['theory']}，会议纪要 {stats['minutes']}，"
          f"学习成果 {stats['outputs']}），{stats['characters']} 字")
    print(f"片段      {stats['chunks']}" + (f"（其中 {stats['vectors_pending']} 个尚未计算语义向量，可按关键词检索）"
                                          if stats["vectors_pending"] else ""))
    print(f"模型      {stats['model_label']}：{stats['model']}（{stats['dim'] or '—'} 维）")
    if stats["model_note"]:
        print(f"          {stats['model_note']}")
    print(f"索引      {stats['index_bytes'] / 1e6:.1f} MB；数据库 {stats['database_bytes'] / 1e6:.1f} MB")
    if stats["tags"]:
        print("标签      " + "、".join(f"{t}({n})" for t, n in stats["tags"].items()))
    print(f"公文      {stats['official']} 篇（带“内部资料”等标记 {stats['marked']} 篇）；"
          f"有多个版本的作品 {stats['works_with_versions']} 部")
    if stats["synced_folders"]:
        print(f"同步      {stats['synced_folders']} 个文件夹，"
              f"待确认移除 {stats['gone_waiting']} 篇（kb sync --status）")
    if last:
        print(f"上次导入  {str(last['finished_at']).replace('T', ' ')}：新增 {last['added']}，更新 {last['updated']}，"
              f"未变 {last['unchanged']}，跳过 {last['skipped']}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from kb.sample_kb import build_sample

    with open_from_args(args) as kb:
        report = build_sample(kb)
        stats = kb.stats()
    if report.added or report.updated:
        print_report(report)
    print(f"示例知识库就绪：{stats['documents']} 篇文档（理论文章 {stats['theory']}，会议纪要 {stats['minutes']}，"
          f"学习成果 {stats['outputs']}），{'数据库' if stats['on_server'] else '数据目录'} {stats['location']}")
    print(f"检索模型：{stats['model_label']}（{stats['model']}）。{stats['model_note']}")
    return 0




def register(sub) -> None:
    p = sub.add_parser("ingest", help="导入文件或文件夹")
    p.set_defaults(func=cmd_ingest)
    p.add_argument("paths", nargs="+", help="文件或文件夹（递归读取）")
    p.add_argument("--kind", choices=["theory", "minutes", "output"],
                   help="指定文档类型（默认自动识别；学习成果 output 须指定，并用 kb outputs add 登记作者和年度）")
    p.add_argument("--tag", action="append", help="给导入的文档加标签（可重复）")
    p.add_argument("--no-ocr", action="store_true", help="不对扫描页做文字识别")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("search", help="按主题检索")
    p.set_defaults(func=cmd_search)
    p.add_argument("query", metavar="主题", help="检索主题，如“群众反映强烈的突出问题”")
    p.add_argument("-k", type=int, default=10, help="返回结果数（默认 10）")
    add_filter_options(p)
    p.add_argument("--per-doc", action="store_true", help="每篇文档只返回最相关的一段")
    p.add_argument("--passages-per-doc", type=int, default=None, metavar="N",
                   help="逐段列出时每篇文档最多 N 段（默认 2；0 为不限）")
    p.add_argument("--retriever", choices=["hybrid", "dense", "keyword"], default="hybrid",
                   help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("list", help="列出文档")
    p.set_defaults(func=cmd_list)
    add_filter_options(p)
    p.add_argument("--sort", choices=["date", "title", "added"], default="date")
    p.add_argument("--facets", action="store_true", help="同时列出发文机关、文种、年份及各自的文档数")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", help="查看一篇文档")
    p.set_defaults(func=cmd_show)
    p.add_argument("doc", help="文档编号（可只写前几位）、标题或文件名")
    p.add_argument("--chunks", action="store_true", help="列出全部片段")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("delete", help="删除一篇文档")
    p.set_defaults(func=cmd_delete)
    p.add_argument("doc", help="文档编号、标题或文件名")
    p.add_argument("--purge", action="store_true",
                   help="彻底清除：学习清单中摘录的该文档段落一并清空，并整理数据库文件，不留已删文本")

    p = sub.add_parser("set-date", help="更正一篇文档的日期（导入时取错了时）")
    p.set_defaults(func=cmd_set_date)
    p.add_argument("doc", help="文档编号、标题或文件名")
    p.add_argument("date", help="2024-03-15、2024-03 或 2024；空字符串 \"\" 表示日期不详")

    p = sub.add_parser("reindex", help="重新切分并重建索引（可换模型）")
    p.set_defaults(func=cmd_reindex)
    p.add_argument("--model", help="换用的 sentence-transformers 模型名或本地路径")

    p = sub.add_parser("sample", help="导入自带的示例资料（已导入则跳过）")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("stats", help="知识库概况")
    p.set_defaults(func=cmd_stats)
    p.add_argument("--json", action="store_true")
