"""`hushcode doctor`: every link of the chain checked, one verdict each (docs/install.md, "Check the setup").

``checks.run_checks`` runs them in order: versions (``versions``), the llama.cpp build against this
CPU and GPU offload (``llama``), the settings and the model (``model``), the engine and a real
completion (``engine``), the network guard over all of that (``network``), the editors (``editors``).
Each check returns a ``report.CheckResult``; ``report`` prints them. This package imports nothing
heavy itself: ``llama_probe`` runs in a child process that imports only it.
"""
