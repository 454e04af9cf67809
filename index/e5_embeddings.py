"""e5's input vectors (word + position + token type), with the 250k-row word table kept 4-bit.

Expanded to float32 the table would take 384 MB of memory; packed it is 54 MB, mapped from the
package's file, and a batch expands only the rows of the distinct ids it uses (a few thousand).
"""

from __future__ import annotations

import numpy as np

from index.e5_weights import PackedE5, dequantise_blocks


class WordEmbeddings:
    def __init__(self, packed: PackedE5) -> None:
        c = packed.config
        self.hidden = c.hidden
        self.scales, self.nibbles = packed.q4("emb.word", c.vocab_rows)
        self.positions = packed.float32("emb.pos").reshape(c.max_positions, c.hidden)
        self.token_type = packed.float32("emb.type").reshape(-1, c.hidden)[0]

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """float32 word vectors of ``ids`` (any shape), shape ids.shape + (hidden,)."""
        unique, inverse = np.unique(ids, return_inverse=True)
        table = dequantise_blocks(self.scales[unique], self.nibbles[unique])
        return table[inverse.reshape(ids.shape)]

    def flat(self, rows: list[list[int]]) -> np.ndarray:
        """Input vectors of every token of every text, concatenated: (total tokens, hidden)."""
        ids = np.fromiter((i for r in rows for i in r), dtype=np.int64)
        positions = np.concatenate([np.arange(len(r)) for r in rows])
        out = self.rows(ids)
        out += self.positions[positions]
        out += self.token_type
        return out

    def padded(self, rows: list[list[int]]) -> np.ndarray:
        """Input vectors padded to the longest text: (texts, longest, hidden); padding rows are zero."""
        longest = max(map(len, rows))
        out = np.zeros((len(rows), longest, self.hidden), dtype=np.float32)
        flat = self.flat(rows)
        at = 0
        for i, r in enumerate(rows):
            out[i, : len(r)] = flat[at : at + len(r)]
            at += len(r)
        return out
