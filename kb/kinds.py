"""What the two kinds of document are called in Chinese, for every place that shows them (CLI, UI, exports)."""

from ingest.types import MINUTES, OUTPUT, THEORY

KIND_LABELS = {THEORY: "理论文章", MINUTES: "会议纪要", OUTPUT: "学习成果"}
