"""What each encoder is, in words an office user understands (the 概况 page, `kb stats`, `kb sample`)."""

from __future__ import annotations

from pathlib import PurePath

# New knowledge bases use DEFAULT (kb.config.EmbedderConfig); one keeps the model it was built with
# until `kb reindex --model NAME`.
MODEL_NAMES = {
    "e5-small": "多语言 E5 语义模型（标准版）",
    "e5-small-fp32": "多语言 E5 语义模型（未压缩对照版）",
    "usem3": "通用句向量模型 USE（轻量版）",
}
MODEL_NOTES = {
    "e5-small": "能理解换了说法的查询，检索更准；新导入的资料先可按关键词检索，语义向量随后在后台算好"
                "（普通办公电脑每秒约 25 段）。配置较低的电脑可改用轻量版：kb reindex --model usem3。",
    "e5-small-fp32": "与标准版同一模型、未做压缩，只用于核对标准版的检索质量，速度慢一半以上。",
    "usem3": "计算快，适合配置较低的电脑；对换了说法的查询不如多语言 E5 准确。"
             "要换用更准的模型：kb reindex --model e5-small（重新计算全部语义向量）。",
}


def model_name(model: str) -> str:
    """A model's name for people: "多语言 E5 语义模型（标准版）"; an unknown one by its folder's name."""
    if model in MODEL_NAMES:
        return MODEL_NAMES[model]
    if model.startswith("hash-"):
        return "字符散列（测试用，不理解语义）"
    return f"自定义模型 {PurePath(model).name}"


def model_note(model: str) -> str:
    """One or two sentences on what the model is good at and how to change it ("" when unknown)."""
    return MODEL_NOTES.get(model, "")
