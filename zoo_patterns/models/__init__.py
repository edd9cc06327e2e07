"""The model architectures: the zoo's small digits CNN, once per framework (the ground of lesson 12's layers).

- ``torch_digits``  ``DigitsCNN`` in PyTorch: architecture, seeded training, safetensors save and load
- ``keras_digits``  the same network in Keras 3, channels-last
- ``gluon_digits``  the same network in MXNet Gluon

They sit at the bottom because everything above needs them: the decoders build a
``DigitsCNN`` to fill it with weights, the adapters save one, the zoo trains them,
``transfer/`` fine-tunes them. Importing this package imports no framework; each module
imports its own framework when it is imported.
"""
