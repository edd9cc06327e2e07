"""Silence framework log noise, in one place, before the frameworks are imported.

TensorFlow logs from C++ (``TF_CPP_MIN_LOG_LEVEL``) and from Python (absl);
transformers and huggingface_hub print warnings and progress bars; MXNet
warns about its own age. Lessons call ``zoo_patterns.quiet()`` in their
first cell so that their outputs stay tables and plots, not walls of logs.
"""

from __future__ import annotations

import logging
import os
import warnings


def quiet() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ logs: errors only
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # no oneDNN banner, bit-stable results
    os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name in ("tensorflow", "absl", "transformers", "huggingface_hub", "h5py", "mxnet", "torch.onnx"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:  # absl is installed with TensorFlow; importing it alone is cheap
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:
        pass
    for category, module in (
        (DeprecationWarning, None),
        (FutureWarning, None),
        (UserWarning, r"(keras|tensorflow|mxnet|torch\.onnx|onnxscript)"),
    ):
        if module:
            warnings.filterwarnings("ignore", category=category, module=module)
        else:
            warnings.filterwarnings("ignore", category=category)
