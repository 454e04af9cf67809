"""The servers benchmark's result as text for the terminal and as Markdown for docs/benchmarks.md."""

from __future__ import annotations


def _ms(entry: dict | None, key: str) -> str:
    return f"{entry[key]:.1f}" if entry and entry.get(key) is not None else "—"


def _layout_rows(entry: dict) -> list[list[str]]:
    base = next((row for row in entry["layouts"] if row["layout"] == "sqlite-1"), None)
    rows = []
    for row in entry["layouts"]:
        ratio = (f"{row['throughput_per_s'] / base['throughput_per_s']:.2f}×"
                 if base and base["throughput_per_s"] else "—")
        rows.append([
            row["layout"], str(row["processes"]), f"{row['throughput_per_s']:.1f}", ratio,
            _ms(row.get("search"), "p50_ms"), _ms(row.get("search"), "p95_ms"),
            _ms(row.get("list_add"), "p50_ms"), _ms(row.get("list_add"), "p95_ms"),
            str(row["conflicts"]), str(row["errors"]), "是" if row["lists_consistent"] else "否",
            " + ".join(str(m) for m in row["rss_mb"]),
        ])
    return rows


HEADER = ["部署", "进程", "请求/秒", "对 SQLite", "检索 p50 ms", "检索 p95 ms", "加入清单 p50 ms",
          "加入清单 p95 ms", "冲突", "错误", "清单无丢失", "内存 MB"]
PROPAGATION_HEADER = ["方式", "提交", "赶上", "p50 ms", "p95 ms", "最长 ms", "空闲时每秒查询"]


def _propagation_rows(entry: dict) -> list[list[str]]:
    return [[row["mode"], str(row["commits"]), str(row["caught_up"]), _ms(row, "p50_ms"), _ms(row, "p95_ms"),
             _ms(row, "max_ms"), f"{row['idle_queries_per_s']:g}"] for row in entry.get("propagation", [])]


def servers_text(result: dict) -> str:
    options = result["options"]
    lines = [f"多进程：{options['users']} 个模拟用户，每种部署 {options['seconds']:g} 秒，思考时间均值 "
             f"{options['think'] * 1000:.0f} ms，{options['edit_share']:.0%} 的请求编辑共用学习清单；"
             f"模型 {options['model']}；PostgreSQL {result['postgres']}"]
    for entry in result["sizes"]:
        sizes = entry["database_mb"]
        lines.append(f"\n规模 {entry['size']:,} 片段（kb migrate 复制 {entry['migrate']['seconds']} 秒；"
                     f"数据库 SQLite {sizes['sqlite']} MB，PostgreSQL {sizes['postgresql']} MB）")
        widths = [max(len(r[i]) for r in [HEADER, *_layout_rows(entry)]) for i in range(len(HEADER))]
        for row in [HEADER, *_layout_rows(entry)]:
            lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        lines.append("  变更传播（一个进程提交，到另一个进程的索引含有它）：")
        for row in [PROPAGATION_HEADER, *_propagation_rows(entry)]:
            lines.append("    " + "  ".join(row))
    lines.append(f"\n用时 {result['seconds']} 秒；期间其他进程平均占用 {result['load']['others_cores']} 核"
                 "（数字只在安静的机器上可比）")
    lines.append(f"重跑：{result['command']}")
    return "\n".join(lines)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows)]


def servers_markdown(result: dict) -> str:
    options, machine = result["options"], result["machine"]
    lines = [f"Measured with `{result['command']}` on {machine['cpu']} ({machine['cores']} cores, "
             f"{machine['ram_gb']} GB), PostgreSQL at {result['postgres']}; {options['users']} simulated users, "
             f"{options['seconds']:g} s per layout, mean think time {options['think'] * 1000:.0f} ms, "
             f"{options['edit_share']:.0%} of requests edit a shared reading list; model `{options['model']}`.", ""]
    for entry in result["sizes"]:
        lines += [f"**{entry['size']:,} chunks** — copied into PostgreSQL by `kb migrate` in "
                  f"{entry['migrate']['seconds']} s; database size SQLite {entry['database_mb']['sqlite']} MB, "
                  f"PostgreSQL {entry['database_mb']['postgresql']} MB.", ""]
        lines += _table(HEADER, _layout_rows(entry)) + [""]
        lines += ["Change propagation (a commit through one process until the other's indexes hold it):", ""]
        lines += _table(PROPAGATION_HEADER, _propagation_rows(entry)) + [""]
    lines.append(f"Other processes used {result['load']['others_cores']} cores on average during the run.")
    return "\n".join(lines) + "\n"
