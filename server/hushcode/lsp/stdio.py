"""Keep the protocol stream clean.

Native libraries print to fd 1, and llama-cpp-python even points fd 1 at /dev/null while
it loads. A stdio language server must therefore write the protocol to a private
duplicate of fd 1 and point fd 1 itself at stderr before anything else runs.
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO


def claim_stdout() -> BinaryIO:
    """Return a private binary stream for the protocol; fd 1 and sys.stdout now go to stderr."""
    sys.stdout.flush()
    private = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return private
