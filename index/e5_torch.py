"""multilingual-e5-small's encoder in plain float32 torch: the reference every faster path is checked against.

Weights are the package's 4-bit ones, dequantised once (85 MB for the 12 layers); the 250k-row
word table stays 4-bit (index.e5_embeddings) and only the rows a batch uses are expanded.
Linear layers run over the concatenated tokens of the batch, so no multiplication is spent on
padding; only attention, which needs each text's own tokens, pads to the batch's longest text.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from index.e5_embeddings import WordEmbeddings
from index.e5_weights import PackedE5


class TorchE5:
    """Token vectors of the last layer for batches of token ids."""

    def __init__(self, packed: PackedE5, embeddings: WordEmbeddings) -> None:
        c = self.config = packed.config
        self.embeddings = embeddings
        h = c.hidden

        def t(array: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(array))

        def ln(prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
            return t(packed.float32(f"{prefix}.w")), t(packed.float32(f"{prefix}.b"))

        self.emb_ln = ln("emb.ln")
        self.layers: list[dict[str, torch.Tensor]] = []
        for i in range(c.layers):
            p = f"l{i}"
            self.layers.append({
                # q, k and v as one (3h, h) matrix: one GEMM instead of three.
                "qkv": t(np.concatenate([packed.dequantise(f"{p}.{n}.w", h) for n in "qkv"])),
                "qkv_b": t(np.concatenate([packed.float32(f"{p}.{n}.b") for n in "qkv"])),
                "ao": t(packed.dequantise(f"{p}.ao.w", h)),
                "ao_b": t(packed.float32(f"{p}.ao.b")),
                "fi": t(packed.dequantise(f"{p}.fi.w", c.ffn)),
                "fi_b": t(packed.float32(f"{p}.fi.b")),
                "fo": t(packed.dequantise(f"{p}.fo.w", h)),
                "fo_b": t(packed.float32(f"{p}.fo.b")),
            })
            for norm in ("aln", "oln"):
                self.layers[-1][f"{norm}_w"], self.layers[-1][f"{norm}_b"] = ln(f"{p}.{norm}")

    @torch.inference_mode()
    def __call__(self, rows: list[list[int]]) -> torch.Tensor:
        """Last-layer vectors, (texts, longest text, hidden); rows past a text's end are zero."""
        c = self.config
        h, heads = c.hidden, c.heads
        lengths = torch.tensor([len(r) for r in rows])
        batch, longest = len(rows), int(lengths.max())
        x = torch.from_numpy(self.embeddings.flat(rows))
        x = F.layer_norm(x, (h,), self.emb_ln[0], self.emb_ln[1], c.eps)
        valid = (torch.arange(longest)[None, :] < lengths[:, None]).reshape(-1)
        mask = None
        if bool((lengths < longest).any()):
            mask = torch.zeros(batch, 1, 1, longest).masked_fill_(~valid.view(batch, 1, 1, longest), float("-inf"))
        for w in self.layers:
            qkv = F.linear(x, w["qkv"], w["qkv_b"])
            padded = qkv.new_zeros(batch * longest, 3 * h)
            padded[valid] = qkv
            q, k, v = padded.view(batch, longest, 3, heads, h // heads).permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            a = a.transpose(1, 2).reshape(batch * longest, h)[valid]
            x = F.layer_norm(x + F.linear(a, w["ao"], w["ao_b"]), (h,), w["aln_w"], w["aln_b"], c.eps)
            y = F.linear(F.gelu(F.linear(x, w["fi"], w["fi_b"])), w["fo"], w["fo_b"])
            x = F.layer_norm(x + y, (h,), w["oln_w"], w["oln_b"], c.eps)
        out = x.new_zeros(batch * longest, h)
        out[valid] = x
        return out.view(batch, longest, h)
