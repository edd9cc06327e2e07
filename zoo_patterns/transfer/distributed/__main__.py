"""``python -m zoo_patterns.transfer.distributed``: what each torchrun process runs."""

import sys

from .launch import main

sys.exit(main())
