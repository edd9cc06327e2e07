"""Adapter over a Hugging Face transformers text encoder: tokenizer, model and pooling in one ``predict``.

``predict(["a sentence", ...])`` tokenizes, runs the encoder, mean-pools the
token vectors (ignoring padding) and L2-normalises them, which is how the
sentence-transformers models such as all-MiniLM-L6-v2 were trained to be used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..cards import TensorSpec
from ..errors import AdapterError
from .base import ZooModel
from .torch import TorchModules


def mean_pool(hidden, mask):
    """Sentence embedding from token vectors: their mean over real tokens (padding does not count).

    ``hidden`` is [batch, sequence, features], ``mask`` the tokenizer's attention mask [batch, sequence];
    both torch tensors or both numpy arrays. The one pooling recipe of the workbook: the adapter, the ONNX
    export's check, the text head and the quantisation study all pool this way.
    """
    weights = mask[..., None] != 0
    weights = weights.astype(hidden.dtype) if hasattr(weights, "astype") else weights.to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clip(min=1e-9)


class TransformersModel(TorchModules, ZooModel):
    framework = "transformers"
    native_format = "hf-directory"

    def __init__(
        self, native, *, tokenizer=None, source: str | Path | None = None, max_length: int = 256, batch_size: int = 64, **kwargs
    ):
        if tokenizer is None:
            from transformers import AutoTokenizer

            where = source or getattr(native, "name_or_path", None)
            if not where or not Path(where).is_dir():
                raise AdapterError(
                    "a text model needs its tokenizer: pass tokenizer=AutoTokenizer.from_pretrained(folder) to adapt()."
                )
            tokenizer = AutoTokenizer.from_pretrained(str(where))
        self.tokenizer, self.max_length, self.batch_size = tokenizer, max_length, batch_size
        native.eval()
        super().__init__(native, **kwargs)

    def _infer_input_spec(self) -> TensorSpec:
        return TensorSpec(
            "text", ("batch",), (None,), "str", "", None, f"tokenizer of the model, truncated to {self.max_length} tokens"
        )

    @property
    def output_spec(self) -> TensorSpec:
        if self._output_spec is None:
            size = int(self.native.config.hidden_size)
            self._output_spec = TensorSpec(
                "embedding",
                ("batch", "features"),
                (None, size),
                "float32",
                "",
                (-1.0, 1.0),
                "mean pooling over tokens, then L2 normalisation",
            )
        return self._output_spec

    def _predict(self, texts: list[str]) -> np.ndarray:
        import torch

        chunks = []
        for i in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(
                texts[i : i + self.batch_size], padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
            ).to(self.device)
            with torch.inference_mode():
                tokens = self.native(**batch).last_hidden_state
            pooled = mean_pool(tokens, batch["attention_mask"])
            chunks.append(torch.nn.functional.normalize(pooled, dim=-1).float().cpu().numpy())
        hidden = int(self.native.config.hidden_size)
        return np.concatenate(chunks) if chunks else np.zeros((0, hidden), np.float32)

    @property
    def device(self) -> str:
        return str(self.native.device)

    def _save(self, folder: Path) -> list[Path]:
        self.native.save_pretrained(str(folder), safe_serialization=True)
        self.tokenizer.save_pretrained(str(folder))
        return [p for p in folder.rglob("*") if p.is_file() and p.name != "README.md"]
