"""``python -m zoo_patterns.transfer.distributed``: what each torchrun process runs.

A finished rank leaves through :func:`launch.leave` (every rank done, the group destroyed, then
``os._exit``), not through a normal interpreter exit: see its docstring for why.
"""

from .launch import leave, main

leave(main())
