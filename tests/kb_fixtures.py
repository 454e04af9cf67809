"""A tiny generated corpus for knowledge-base tests (Chinese theory texts and one set of minutes)."""

from __future__ import annotations

from pathlib import Path

LIANZHENG = """党风廉政建设学习辅导

一、深刻认识党风廉政建设的重要性
党风廉政建设关系党的生死存亡。必须坚持全面从严治党，落实主体责任和监督责任。
各级党组织要把纪律挺在前面，严格执行中央八项规定精神，坚决纠治四风问题。

二、压实管党治党政治责任
党委书记是第一责任人，班子成员履行一岗双责。要强化日常监督，用好监督执纪四种形态。
"""

FAZHAN = """推动经济高质量发展的几点思考

一、把握高质量发展的内涵
高质量发展是体现新发展理念的发展，要坚持创新驱动，培育新质生产力。
县域经济要立足资源禀赋，发展特色产业集群，优化营商环境，扩大有效投资。

二、以改革促发展
深化重点领域改革，激发市场主体活力，推动产业转型升级和绿色低碳发展。
"""

QUNZHONG = """群众工作与基层治理

一、倾听群众呼声
群众反映强烈的突出问题，往往集中在教育、医疗、住房、养老等民生领域。
要坚持和发展新时代枫桥经验，把矛盾纠纷化解在基层，及时回应群众急难愁盼。

二、健全基层治理体系
推进网格化管理，完善村（居）民自治，畅通诉求表达渠道。
"""

MINUTES = """中共清河县委理论学习中心组2024年第2次集体学习会议纪要

时间：2024年4月12日上午9:00
地点：县委常委会议室
主持人：张建华（县委书记）
参加人员：张建华、李明、王芳、刘强
记录人：周敏
学习主题：党风廉政建设和反腐败工作

一、学习内容
集中学习了党风廉政建设有关文件，观看了警示教育片。

二、发言摘要
张建华同志：要落实全面从严治党主体责任，把纪律和规矩挺在前面。
李明同志：要加强对权力运行的制约和监督，坚决纠治四风。

三、下步要求
各单位要结合实际，抓好学习成果转化。
"""


def write_corpus(folder: Path) -> dict[str, Path]:
    """Write four small documents (one GBK-encoded) and return their paths by key."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "lianzheng": (folder / "党风廉政建设学习辅导.txt", LIANZHENG, "utf-8"),
        "fazhan": (folder / "高质量发展.txt", FAZHAN, "gb18030"),
        "qunzhong": (folder / "群众工作.md", QUNZHONG, "utf-8"),
        "minutes": (folder / "2024年第2次学习纪要.txt", MINUTES, "utf-8"),
    }
    for path, text, encoding in files.values():
        path.write_bytes(text.encode(encoding))
    return {key: path for key, (path, _, _) in files.items()}


# An official document (公文, GB/T 9704): handling marks, the issuer's mark, a number, title, 主送, signature.
GONGWEN = """内部资料 注意保存
中共某某县委文件
某委发〔2024〕3号
中共某某县委关于深入开展党纪学习教育的意见
各乡镇党委，县直各单位党组（党委）：
为深入学习贯彻《中国共产党纪律处分条例》，推动全面从严治党向纵深发展，现就在全县开展党纪学习教育提出如下意见。
一、总体要求
坚持以习近平新时代中国特色社会主义思想为指导，把党纪学习教育作为加强党的纪律建设的重要举措，引导党员干部学纪、知纪、明纪、守纪。
二、主要任务
各级党组织要组织党员干部原原本本学习条例，结合典型案例开展警示教育，推动党纪学习教育走深走实。
中共某某县委
2024年4月8日
"""


def write_gongwen(folder: Path, name: str = "县委党纪学习教育意见.txt", text: str = GONGWEN) -> Path:
    """Write the 公文 above (or `text`) into `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def sample_cli_data(folder: Path) -> Path:
    """The bundled sample built by `kb sample` into folder/data (the CLI tests' knowledge base)."""
    from kb import cli

    path = folder / "data"
    assert cli.main(["--data", str(path), "sample"]) == 0
    return path


def run_cli(capsys, data: Path, *argv: object) -> tuple[int, str, str]:
    """`kb --data DATA ARGV…`: its exit code, standard output and standard error."""
    from kb import cli

    code = cli.main(["--data", str(data), *(str(a) for a in argv)])
    out, err = capsys.readouterr()
    return code, out, err
