"""A new classification head on the MiniLM sentence encoder (transformers), encoder frozen or partly unfrozen.

With the encoder frozen, every sentence is embedded once and only the linear
head trains: seconds on a CPU. Unfreezing the last transformer layers lets
the encoder adapt to the domain, at the price of a forward and backward pass
through it on every step. The plan's groups are ``embeddings``, ``layer.0``
... ``layer.5`` and ``head``.
"""

from __future__ import annotations

import time

import numpy as np

from ..datasets import TextSplit
from .history import History
from .plan import TransferPlan

TEXT_GROUPS = ("embeddings", *(f"layer.{i}" for i in range(6)), "head")


def text_plan(
    num_classes: int,
    *,
    unfreeze_last: int = 0,
    epochs: int | None = None,
    head_lr: float = 1e-2,
    encoder_lr: float = 3e-5,
    seed: int = 0,
    **kw,
) -> TransferPlan:
    """The encoder frozen (``unfreeze_last=0``) or its last ``unfreeze_last`` layers trained with the head."""
    trainable = ("head", *(f"layer.{5 - i}" for i in range(unfreeze_last)))
    lr = tuple((g, head_lr if g == "head" else encoder_lr) for g in TEXT_GROUPS)
    return TransferPlan(
        "minilm-l6",
        num_classes,
        trainable=trainable,
        lr=lr,
        epochs=epochs or (200 if not unfreeze_last else 6),
        batch_size=16,
        seed=seed,
        **kw,
    )


class TextClassifier:
    """Encoder + pooling + linear head; ``predict(texts)`` gives class indices."""

    def __init__(self, encoder, head):
        self.encoder, self.head = encoder, head  # a TransformersModel adapter and a torch.nn.Linear

    def embed(self, texts, *, grad: bool = False):
        import torch

        from ..adapters.hf import mean_pool

        tok = self.encoder.tokenizer(list(texts), padding=True, truncation=True, max_length=128, return_tensors="pt")
        tok = tok.to(self.encoder.device)
        with torch.set_grad_enabled(grad):
            hidden = self.encoder.native(**tok).last_hidden_state
            return torch.nn.functional.normalize(mean_pool(hidden, tok["attention_mask"]), dim=-1)

    def logits(self, texts, *, batch_size: int = 64):
        import torch

        texts = list(texts)
        chunks = []
        with torch.inference_mode():  # in batches: one padded batch of thousands of sentences is several times slower
            for i in range(0, len(texts), batch_size):
                chunks.append(self.head(self.embed(texts[i : i + batch_size])).cpu().numpy())
        return np.concatenate(chunks) if chunks else np.zeros((0, self.head.out_features), np.float32)

    def predict(self, texts) -> np.ndarray:
        return self.logits(texts).argmax(1)


def fit(plan: TransferPlan, split: TextSplit, *, progress: bool = True, label: str = ""):
    """Train the head (and any unfrozen layers); returns ``(TextClassifier, History)``."""
    import torch
    from tqdm.auto import trange

    from .. import load

    torch.manual_seed(plan.seed)
    from ..settings import device as pick_device

    device = pick_device()
    encoder = load(plan.base, adapt=True, progress=False).to(device)
    # The clock starts after loading: the first load in a process also pays for importing
    # transformers (and triton on CUDA builds), which is not the cost of training.
    start = time.perf_counter()
    layers = {
        "embeddings": encoder.native.embeddings,
        "head": None,
        **{f"layer.{i}": block for i, block in enumerate(encoder.native.encoder.layer)},
    }
    head = torch.nn.Linear(encoder.output_spec.shape[1], plan.num_classes).to(device)
    layers["head"] = head
    model = TextClassifier(encoder, head)
    active = plan.trainable_at(1)
    for name, module in layers.items():
        for p in module.parameters():
            p.requires_grad = name in active
    reg = plan.regularisation
    optimizer = torch.optim.AdamW(
        [{"params": list(layers[g].parameters()), "lr": plan.lr_for(g)} for g in plan.groups if g in active],
        weight_decay=reg.weight_decay,
    )
    y = torch.from_numpy(split.y_train).to(device)
    frozen_encoder = active == {"head"}
    if frozen_encoder:  # embed once: the encoder never changes
        features = model.embed(split.train_texts)
        test_features = model.embed(split.test_texts)
    dropout = torch.nn.Dropout(reg.dropout or 0.0)
    gen = torch.Generator().manual_seed(plan.seed)
    history = History(label or plan.describe())
    for _ in trange(plan.epochs, desc=label or "text", leave=False, disable=not progress):
        encoder.native.train(not frozen_encoder)
        order = torch.randperm(len(y), generator=gen) if not frozen_encoder else torch.arange(len(y))
        order = order.to(device)
        size = len(y) if frozen_encoder else plan.batch_size  # full batch for a linear head on fixed features
        total = 0.0
        for i in range(0, len(y), size):
            idx = order[i : i + size]
            emb = features[idx] if frozen_encoder else model.embed([split.train_texts[j] for j in idx.tolist()], grad=True)
            loss = torch.nn.functional.cross_entropy(head(dropout(emb)), y[idx])
            if reg.l1:
                loss = loss + reg.l1 * head.weight.abs().sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        history.loss.append(total / len(y))
        encoder.native.eval()
        with torch.inference_mode():
            scores = head(test_features) if frozen_encoder else None
        predicted = scores.argmax(1).cpu().numpy() if scores is not None else model.predict(split.test_texts)
        history.test_accuracy.append(float((predicted == split.y_test).mean()))
    encoder.native.eval()
    history.seconds = time.perf_counter() - start
    return model, history


def bag_of_words_baseline(split: TextSplit) -> np.ndarray:
    """A model from scratch on the same split: word counts and logistic regression. Returns test predictions."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(lowercase=True)
    x = vectorizer.fit_transform(split.train_texts)
    clf = LogisticRegression(max_iter=2000, C=10.0).fit(x, split.y_train)
    return clf.predict(vectorizer.transform(split.test_texts))
