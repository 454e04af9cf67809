"""公文 parts (ingest/gongwen.py) and a document's own date (ingest/dates.py), on documents the tests write."""

from __future__ import annotations

import pytest

from ingest.dates import date_line, dated
from ingest.gongwen import document_number, kind_of, organisations, recipients, recognise
from ingest.pipeline import read_document
from ingest.types import GongwenInfo
from tests.ingest_fixtures import make_docx, make_pdf, write_text

NOTICE = """000123
特急
中共清河县委员会文件
清发〔2024〕3号
中共清河县委员会
关于进一步加强理论学习中心组
学习的意见
各乡镇党委，县直各单位党组（党委）：
为深入学习贯彻党的二十大精神，根据《中国共产党党委（党组）理论学习中心组学习规则》（中办发〔2017〕41号）和2019年1月3日的部署，现提出如下意见。
一、总体要求
坚持读原著学原文悟原理，做到学思用贯通、知信行统一。
附件：1. 2024年学习计划
中共清河县委员会
二〇二四年三月十五日
（此件发至县级领导干部）
抄送：市委办公室。
中共清河县委办公室 2024年3月16日印发"""


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("中发〔2024〕3号", "中发〔2024〕3号"),
        ("国办发［2023］12号", "国办发〔2023〕12号"),
        ("京政发[2022]7号", "京政发〔2022〕7号"),
        ("清委发(2021)15号", "清委发〔2021〕15号"),
        ("清政办函（2020）108号", "清政办函〔2020〕108号"),
        ("清组通【2019】2号", "清组通〔2019〕2号"),
        ("中办发 〔 2017 〕 41 号", "中办发〔2017〕41号"),
        ("清发〔２０２４〕０３号", "清发〔2024〕3号"),  # full-width digits, a leading zero
        ("清发〔2024〕第5号", "清发〔2024〕5号"),
        ("清政发〔2024〕9号    签发人：张建华", "清政发〔2024〕9号"),  # 上行文: number and signer on one line
        ("签发人：张建华 清政发〔2024〕9号", "清政发〔2024〕9号"),
    ],
)
def test_document_number_in_every_bracket_variant(line, number):
    assert document_number(line) == number


@pytest.mark.parametrize(
    "line",
    [
        "根据《规则》（中办发〔2017〕41号）制定本办法。",  # cited in a sentence
        "2024年3月15日",
        "〔2024〕3号",  # no issuer's code
        "清发〔24〕3号",  # not a year
    ],
)
def test_a_cited_or_malformed_number_is_not_a_document_number(line):
    assert document_number(line) is None


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("国务院关于进一步优化营商环境的意见", "意见"),
        ("关于印发《清河县理论学习中心组学习计划》的通知", "通知"),
        ("关于2023年度考核情况的通报", "通报"),
        ("中共中央关于进一步全面深化改革 推进中国式现代化的决定", "决定"),
        ("第十四届全国人民代表大会第三次会议关于政府工作报告的决议", "决议"),
        ("在全县领导干部大会上的讲话", "讲话"),
        ("2025年上海市政府工作报告", "报告"),
        ("关于申请专项经费的请示", "请示"),
        ("关于同意设立清河县党史馆的批复", "批复"),
        ("关于商请支持理论宣讲工作的函", "函"),
        ("县委理论学习中心组专题学习会议纪要", "纪要"),
        ("清河县基层理论宣讲实施方案（试行）", "方案"),
        ("清河县机关公文处理办法", "办法"),
        ("中国共产党纪律处分条例", "条例"),
        ("清河县人民政府关于汛期安全的通告", "通告"),
        ("中华人民共和国国务院令", "命令"),
        ("《关于加强基层党组织建设的意见》", "意见"),
        ("在全县领导幹部大會上的講話", "讲话"),  # traditional characters
        ("从工业现代化到国家治理现代化", None),
        ("邓小平是真正的“实事求是派”", None),
    ],
)
def test_kind_from_the_titles_last_words(title, kind):
    assert kind_of(title) == kind


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("各乡镇党委，县直各单位党组（党委）：", ("各乡镇党委", "县直各单位党组（党委）")),
        (
            "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
            ("各省", "自治区", "直辖市人民政府", "国务院各部委", "各直属机构"),
        ),
        ("县委办公室:", ("县委办公室",)),
        ("各位代表：", ()),  # a salutation addresses people
        ("同志们：", ()),
        ("时间：", ()),  # a field label
        ("会议指出：", ()),
        ("现将有关事项通知如下：", ()),
    ],
)
def test_recipients_line(line, expected):
    assert recipients(line) == expected


def test_organisations_split_joint_issuers():
    assert organisations("中共中央 国务院") == ("中共中央", "国务院")
    assert organisations("中共中央办公厅、国务院办公厅") == ("中共中央办公厅", "国务院办公厅")
    assert organisations("党中央、全国人大、国务院、全国政协和中央军委") == (
        "党中央", "全国人大", "国务院", "全国政协", "中央军委",
    )
    assert organisations("张建华 李明") == ()
    assert organisations("坚持读原著学原文") == ()


def test_a_full_notice_in_standard_layout():
    info = recognise(NOTICE)
    assert info == GongwenInfo(
        issuers=("中共清河县委员会",),
        number="清发〔2024〕3号",
        title="中共清河县委员会关于进一步加强理论学习中心组学习的意见",
        recipients=("各乡镇党委", "县直各单位党组（党委）"),
        date="2024-03-15",  # the 成文日期 in Chinese numerals, not the 印发 date nor the date in the body
        kind="意见",
    )
    assert info.citation(3) == "《中共清河县委员会关于进一步加强理论学习中心组学习的意见》（清发〔2024〕3号）第3页"
    assert info.issuer == "中共清河县委员会" and info.year == "2024"


def test_joint_issuers_from_the_mark_and_the_signature():
    text = "中共清河县委办公室\n清河县人民政府办公室\n文件\n清办发〔2024〕8号\n关于做好春节期间有关工作的通知\n" \
           "各乡镇、县直各单位：\n现将有关事项通知如下。\n中共清河县委办公室 清河县人民政府办公室\n2024年1月20日"
    info = recognise(text)
    assert info.issuers == ("中共清河县委办公室", "清河县人民政府办公室")
    assert info.number == "清办发〔2024〕8号" and info.kind == "通知" and info.date == "2024-01-20"
    signed = recognise(
        "关于做好春节期间有关工作的通知\n各乡镇：\n请认真落实。\n中共清河县委办公室\n清河县人民政府办公室\n2024年1月20日"
    )
    assert signed.issuers == ("中共清河县委办公室", "清河县人民政府办公室")


def test_issuers_named_in_the_title():
    info = recognise("中共中央 国务院关于加强基层治理体系和治理能力现代化建设的意见\n正文第一段。")
    assert info.issuers == ("中共中央", "国务院") and info.kind == "意见" and info.number is None


def test_a_speech_with_delivery_line_and_the_body_it_speaks_for():
    text = "2025年云南省政府工作报告\n来源：云南日报\n——2025年1月18日在云南省第十四届人民代表大会第三次会议上\n" \
           "省长 王予波\n各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n一、2024年工作回顾\n过去一年……"
    info = recognise(text)
    assert info.issuers == ("云南省人民政府",)  # the place comes from the title
    assert (info.title, info.kind, info.date, info.recipients) == ("2025年云南省政府工作报告", "报告", "2025-01-18", ())


def test_the_numbered_order_of_the_state_council():
    info = recognise("中华人民共和国国务院令\n第 797 号\n《条例》已经国务院第12次常务会议通过，现予公布。")
    assert info.number == "中华人民共和国国务院令第797号" and info.issuers == ("国务院",)


def test_articles_are_not_official_documents():
    assert recognise("从工业现代化到国家治理现代化\n实现现代化是中国共产党人为之奋斗的重要目标。") is None
    article = "严格落实中央八项规定\n1961年1月11日，会议指出：各级领导要以身作则。\n（中办发〔2017〕41号）文件要求……"
    assert recognise(article) is None


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("（2017年10月18日）", "2017-10-18"),
        ("（一九三九年八月一日）", "1939-08-01"),
        ("二〇二四年三月十五日", "2024-03-15"),
        ("二○二四年十二月三十一日", "2024-12-31"),
        ("2021年12月24日 星期五", "2021-12-24"),
        ("（2018年7月25日，约翰内斯堡）", "2018-07-25"),
        ("——2024年3月5日在第十四届全国人民代表大会第二次会议上", "2024-03-05"),
        ("（2023年3月13日第十四届全国人民代表大会第一次会议通过）", "2023-03-13"),
        ("2023年5月4日会议", "2023-05-04"),
        ("观察与思考 2019 年第 9 期", "2019"),
        ("1961年1月11日，邓小平在会上讲话。", None),  # a sentence that mentions a date
        ("2019年3月在北京召开的会议上，习近平指出要加强", None),
        ("1964年12月至1965年1月，第三届全国人民代表大会第一次会议在北京举行。", None),
    ],
)
def test_date_lines(line, iso):
    assert date_line(line) == iso


def test_a_document_date_prefers_its_own_date_over_dates_its_text_quotes():
    quoting = "一、发轫之始\n实现现代化是重要目标。1961年1月11日，毛泽东指出……"
    assert dated(quoting, "a.txt") == (None, None)  # no date of its own: none rather than a quoted one
    assert dated(quoting, "a.pdf", metadata={"created": "2019-10-11T10:47:08+08:00"}) == ("2019-10-11", "created")
    assert dated(quoting, "2024-03-18 学习.txt")[0] == "2024-03-18"
    summary = "2024年工作总结\n2024年12月30日，全年工作……"
    assert dated(summary, "a.txt", title="2024年工作总结") == ("2024-12-30", "title")
    assert dated("2024年工作总结\n2025年1月10日……", "a.txt", title="2024年工作总结") == ("2024", "title")
    assert dated("学习体会\n二〇二四年三月，开展了学习。", "a.txt", title="学习体会") == ("2024-03", "text")
    # python-docx's template stamp is not a creation date
    assert dated("正文", "a.docx", metadata={"created": "2013-12-23T23:15:00+00:00"}) == (None, None)


def test_a_pdf_quoting_an_old_date_is_dated_by_its_own_metadata(tmp_path):
    body = ["在《邓小平文选》第三卷中，邓小平两次说自己是实事求是派。", "1961年1月11日，他在会上指出要调查研究。"]
    doc = read_document(make_pdf(tmp_path / "a.pdf", [body, ["第二页正文。"]]))
    assert doc.date != "1961-01-11" and doc.metadata["date_source"] == "created"
    assert doc.date == doc.metadata["created"][:10]


def test_official_documents_read_from_docx_pdf_and_txt(tmp_path):
    lines = NOTICE.split("\n")
    files = [
        make_docx(tmp_path / "n.docx", [("p", line) for line in lines]),
        make_pdf(tmp_path / "n.pdf", [lines]),
        write_text(tmp_path / "n.txt", NOTICE, "gb18030"),
    ]
    for path in files:
        doc = read_document(path)
        assert doc.gongwen is not None, path
        assert (doc.gongwen.number, doc.gongwen.kind, doc.gongwen.date) == ("清发〔2024〕3号", "意见", "2024-03-15")
        assert doc.title == "中共清河县委员会关于进一步加强理论学习中心组学习的意见", path  # not the red header
        assert doc.date == "2024-03-15" and doc.metadata["date_source"] == "date_line"


def test_a_signature_glued_to_the_last_sentence_by_pdf_line_joining():
    """A PDF whose signature is not indented has it joined to the last paragraph; it is still the 成文日期."""
    info = recognise("关于开展专题学习的通知\n各支部：\n请按时参加。中共清河县委办公室2024年3月15日")
    assert (info.issuers, info.date) == (("中共清河县委办公室",), "2024-03-15")
    quoted = recognise("关于开展专题学习的通知\n各支部：\n会议定于2024年3月15日")
    assert quoted.date is None and quoted.issuers == ()
