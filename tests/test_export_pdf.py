"""PDF export: the CJK text layer reads back intact with pypdf, with an embedded font or the fallback."""

import io
import re
from dataclasses import replace
from pathlib import Path

import pypdf
import pytest

from kb.export import export_list, export_plan, fonts, pdf
from kb.export.demo import demo_items, demo_list, demo_plan

_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    """Drop whitespace: wrapping inserts line breaks wherever a CJK line happens to end."""
    return _SPACE.sub("", text)


def _text(data: bytes) -> tuple[str, pypdf.PdfReader]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def _assert_in_order(text: str, parts: list[str]) -> None:
    squashed, position = _squash(text), 0
    for part in parts:
        found = squashed.find(_squash(part), position)
        assert found >= 0, f"missing or out of order: {part}"
        position = found + 1


def _font_names(reader: pypdf.PdfReader) -> dict[str, bool]:
    """BaseFont of every font used -> whether the PDF embeds its glyphs."""
    found: dict[str, bool] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font["/BaseFont"])] = embedded
    return found


FONTS = {"best": fonts.cjk_font, "fallback": fonts.fallback_font}


@pytest.fixture(params=sorted(FONTS))
def font(request) -> fonts.CJKFont:
    return FONTS[request.param]()


def test_list_pdf_text_layer_has_items_citations_and_notes(font):
    text, reader = _text(pdf.render_list(demo_list(), font=font))
    assert "\ufffd" not in text
    first, minutes, deleted = demo_items()
    _assert_in_order(text, [
        "— 1 —",
        "关于示例的学习材料",
        "编制日期：2024年3月18日",
        "本清单共收录学习材料3项",
        "1. 关于加强理论学习的若干意见",
        "来源：2024年3月18日，第3-4页，一、充分认识理论学习的重要意义 > （二）坚持学以致用",
        *first.text.splitlines(),
        "【导读】" + first.note,
        "2. 第3次集体学习会议纪要",
        "来源：会议纪要，2024年3月，第1页",
        minutes.text,
        "【导读】" + minutes.note,
        "3. 学习笔记汇编（第一辑）（原文已删除）",
        "（原文已删除，无摘录）",
    ])
    assert reader.metadata.title == "关于示例的学习材料"
    used = _font_names(reader)
    cjk = [name for name in used if "Helvetica" not in name]
    assert cjk, used
    if font.embedded:
        assert all(used[name] for name in cjk)
    else:
        assert cjk == ["/STSong-Light"] and not used["/STSong-Light"]


def test_best_font_is_embedded_when_a_truetype_cjk_font_is_installed():
    found = fonts.find_font_files()
    font = fonts.cjk_font()
    assert font.embedded == bool(found)
    if not found:
        pytest.skip("本机未安装可嵌入的中文 TrueType 字体（如 fonts-wqy-zenhei），仅验证了后备字体")
    assert font.path == found[0][0]


def test_font_lookup_falls_back_without_fonts(tmp_path):
    assert fonts.cjk_font((tmp_path,)) == fonts.fallback_font()
    (tmp_path / "wqy-zenhei.ttc").write_bytes(b"not a font")  # unreadable files are skipped
    assert fonts.cjk_font((tmp_path / ".",)).name == fonts.FALLBACK_FONT


def test_long_passage_wraps_over_pages_and_stays_intact(font):
    sentence = "坚持用党的创新理论武装头脑、指导实践、推动工作，"
    long_text = sentence * 200 + "结束。"
    item = replace(demo_items()[0], text=long_text)
    text, reader = _text(pdf.render_list(replace(demo_list(), items=(item,)), font=font))
    assert len(reader.pages) >= 3
    bodies = []
    for number, page in enumerate(reader.pages, start=1):
        page_text = _squash(page.extract_text())
        assert page_text.startswith(f"—{number}—")  # the footer is drawn before the page's content
        bodies.append(page_text.removeprefix(f"—{number}—"))
    joined = "".join(bodies)
    assert joined.count(sentence) == 200 and "结束。" in joined
    assert _squash(long_text) in joined


def test_markup_characters_in_text_are_shown_not_parsed(font):
    item = replace(demo_items()[0], title="A&B <b>标题</b>", text="甲<乙>丙 & 丁\x0c戊")
    text, _ = _text(pdf.render_list(replace(demo_list(), items=(item,)), font=font))
    _assert_in_order(text, ["1. A&B <b>标题</b>", "甲<乙>丙 & 丁", "戊"])


def test_plan_pdf_has_all_twelve_months(tmp_path, font):
    path = export_plan(demo_plan(), "pdf", tmp_path / "计划.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    text, _ = _text(pdf.render_plan(demo_plan(), font=font))
    _assert_in_order(text, ["示例单位理论学习中心组", "2025年度理论学习中心组学习计划",
                            "【全年学习主线】以学促干、学用结合", "一、全年学习安排", "月份", "学习材料"])
    _assert_in_order(text, [f"{m}月第{m}专题：理论学习与工作实践" for m in range(1, 13)])
    _assert_in_order(text, ["二、各月学习材料"] + [f"{m}月第{m}专题" for m in range(1, 13)])
    march = ["3月第3专题", "往期学习：2024-03-18第3次集体学习：加强理论学习", "4月"]
    _assert_in_order(text, march)


def test_export_list_pdf_writes_a_file(tmp_path):
    path = export_list(demo_list(), "pdf", tmp_path / "清单.pdf")
    assert isinstance(path, Path) and path.read_bytes().startswith(b"%PDF")
