"""Entry point of the ``relais`` console script (setup.cfg: ``kernel.cli:main``); commands: kernel/commands."""
from __future__ import annotations

import sys

from .commands import cli, main

__all__ = ["cli", "main"]

if __name__ == "__main__":  # python -m kernel.cli
    sys.exit(main())
