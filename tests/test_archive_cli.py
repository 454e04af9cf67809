"""The study-record commands end to end on the sample (fake encoder in place of the model): roster,
names, sign-in, 补学, study outputs, plan completion, the assessment and its exports."""

from __future__ import annotations

import io
import json

import pytest
from conftest import FakeEncoder
from docx import Document
from kb_fixtures import run_cli, sample_cli_data
from openpyxl import load_workbook

from kb import embedding


@pytest.fixture(scope="module", autouse=True)
def fake_model():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(embedding, "load_encoder", lambda name: FakeEncoder())
        yield


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return sample_cli_data(tmp_path_factory.mktemp("cli"))


run = run_cli


def test_roster_and_names(capsys, data):
    code, out, _ = run(capsys, data, "roster", "list", "--year", 2025)
    assert code == 0 and out.splitlines()[0] == " 1. 张建华　县委书记　别名：张书记" and len(out.splitlines()) == 11
    code, out, _ = run(capsys, data, "roster", "add", "钱进", "--post", "县委常委、副县长", "--joined", "2025-07-01")
    assert code == 0 and "已登记成员 钱进" in out
    code, _, err = run(capsys, data, "roster", "add", "钱进")
    assert code == 1 and "名册中已有 钱进" in err
    code, out, _ = run(capsys, data, "session-edit", "2025-08-19-minutes.txt", "--host", "张书记")
    code, out, _ = run(capsys, data, "roster", "names", "--year", 2025, "--json")
    uses = {u["name"]: u for u in json.loads(out)}
    assert uses["张书记"]["member"] == "张建华" and uses["张书记"]["how"] == "alias"
    code, out, _ = run(capsys, data, "roster", "alias", "钱副县长", "钱进")
    assert code == 0 and "“钱副县长”即 钱进" in out
    code, _, err = run(capsys, data, "roster", "remove", "吴海涛")
    assert code == 1 and "不能删除" in err and "kb roster edit 吴海涛 --left" in err


def test_signin_and_makeup(capsys, data):
    code, out, _ = run(capsys, data, "signin", "show", "2025-06-10-minutes.txt")
    assert code == 0 and "出席 9　请假 1　缺席 1" in out and "陈静　请假　（组织者登记）　事由：带队外出办理案件" in out
    code, out, _ = run(capsys, data, "signin", "set", "2025-06-10-minutes.txt", "吴海涛", "--status", "请假",
                       "--reason", "参加全省政法工作会议")
    assert code == 0 and "已登记 吴海涛：请假（参加全省政法工作会议）" in out
    code, out, _ = run(capsys, data, "makeup", "add", "2025-06-10-minutes.txt", "吴海涛", "--date", "2025-06-15",
                       "--studied", "10-shengtai-wenming.txt")
    assert code == 0 and "尚未提交心得体会" in out
    code, out, _ = run(capsys, data, "makeup", "list", "--member", "吴海涛", "--json")
    assert [m["date"] for m in json.loads(out)] == ["2025-06-15"]
    with pytest.raises(SystemExit):  # argparse refuses a status it does not know
        run(capsys, data, "signin", "set", "2025-06-10-minutes.txt", "吴海涛", "--status", "迟到")


def test_outputs_add_imports_and_attributes(capsys, data, tmp_path):
    report = tmp_path / "调研报告.md"
    report.write_text("# 关于城区停车难问题的调研报告\n\n吴海涛　2025年9月\n\n调研了城区十个小区的停车情况。",
                      encoding="utf-8")
    code, out, _ = run(capsys, data, "outputs", "add", report, "--type", "调研报告", "--member", "吴海涛",
                       "--year", 2025, "--outcome", "城区新增公共停车泊位三百个")
    assert code == 0 and "已登记学习成果：吴海涛 调研报告《关于城区停车难问题的调研报告》（2025 年）" in out
    code, out, _ = run(capsys, data, "outputs", "list", "--member", "吴海涛")
    assert "成果转化：城区新增公共停车泊位三百个" in out
    code, out, _ = run(capsys, data, "list", "--kind", "output")
    assert "关于城区停车难问题的调研报告" in out and out.count("学习成果") == 9


def test_completion_assessment_and_exports(capsys, data, tmp_path):
    code, out, _ = run(capsys, data, "assess", "completion", 2025)
    assert code == 0 and " 7月  调整时间开展  因地制宜发展新质生产力 推动传统产业转型升级 ← 2025-08-19" in out
    assert " 9月  未开展" in out
    code, out, _ = run(capsys, data, "assess", "held", 2025, 9, "--none")
    assert code == 0 and out.startswith("9月  未开展")
    code, out, _ = run(capsys, data, "assess", "rules", "--min-attendance", "0.9")
    assert "出勤率不低于 90%" in out
    code, out, _ = run(capsys, data, "assess", "show", 2025, "--json")
    found = {m["name"]: m for m in json.loads(out)["members"]}
    assert found["刘强"]["passed"] is False and found["刘强"]["shortfalls"] == ["出勤率 83%（5/6），低于 90%"]
    code, out, _ = run(capsys, data, "assess", "rules", "--min-attendance", "0.8")
    code, out, err = run(capsys, data, "assess", "show", 1999)  # a year with no sessions: nobody to judge
    assert code == 1 and out == "" and err.strip() == ("错误：1999 年没有集体学习记录，无从考核：先导入该年的会议纪要"
                                                       "（kb ingest 路径 --kind minutes）；有记录的年份：2024、2025")
    code, out, _ = run(capsys, data, "assess", "show", 2025, "--member", "孙丽")
    assert out.startswith("孙丽    应参加 6  出席 5  请假 1  缺席 0  补学 1") and "达标" in out
    sheet = tmp_path / "考核.xlsx"
    code, out, _ = run(capsys, data, "assess", "export", 2025, "-o", sheet)
    assert code == 0 and load_workbook(sheet).active["B2"].value == "张建华"
    volume = tmp_path / "档案.docx"
    code, out, _ = run(capsys, data, "archive-volume", 2025, "-o", volume)
    assert code == 0 and any(p.text == "2025年度理论学习中心组学习档案" for p in Document(volume).paragraphs)
    bulletin = tmp_path / "通报.docx"
    code, out, _ = run(capsys, data, "bulletin", 2025, "-o", bulletin)
    text = "\n".join(p.text for p in Document(io.BytesIO(bulletin.read_bytes())).paragraphs)
    assert code == 0 and "2025年度理论学习中心组学习情况通报" in text
