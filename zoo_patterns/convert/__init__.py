"""Moving weights between frameworks (lesson 09 goes deep; lesson 03 uses it for parity).

- ``digits``  the zoo's digits CNN from torch to Keras and to Gluon, exactly.
"""

from .digits import torch_to_gluon, torch_to_keras

__all__ = ["torch_to_gluon", "torch_to_keras"]
