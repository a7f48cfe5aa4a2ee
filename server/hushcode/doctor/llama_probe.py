"""What the installed llama.cpp build says about itself, printed as one JSON line.

`hushcode doctor` runs this in a child process (``python -I``, see isolation.py): a library built
for another CPU may stop the process that loads it with an illegal instruction, and that must
not be the doctor. No model is read.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    import llama_cpp

    info = {
        "version": str(getattr(llama_cpp, "__version__", "?")),
        "system_info": llama_cpp.llama_print_system_info().decode("utf-8", "replace"),
        "gpu_offload": bool(llama_cpp.llama_supports_gpu_offload()),
    }
    sys.stdout.write(json.dumps(info) + "\n")


if __name__ == "__main__":
    main()
