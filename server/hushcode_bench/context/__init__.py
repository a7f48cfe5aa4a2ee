"""``hushcode bench context [PATH]``: does cross-file context from the workspace index help?

Steps (see docs/benchmarks.md, "hushcode bench context"; ``benchmark`` runs them):

1. ``tasks``: whole-line holes inside function bodies whose line uses a name imported from another
   file of the repository, chosen with a seed; ``recall``: is the hole's line in the retrieved
   context at all (no model);
2. indexing figures: ``python -m hushcode_bench.index`` on the repository (and on each
   ``--index-path``): first pass, files/s, memory, one changed file;
3. ``first_pass``: a server opened on the repository (and the ``--index-path`` folders)
   completes a few tasks while its index is not ready, then the same ones after;
4. ``completions``: the tasks through the real server twice, with ``completion.contextTokens`` N
   and 0, same model and other settings; each request's context tokens from the server's log;
5. ``summary``: the figures against the issue's targets, and the table ``command`` prints.

Nothing is written into the repository: documents are opened with the hole in the editor buffer
only, the servers' index caches go to a temporary folder, and the results go under
``~/.cache/hushcode/bench/context-<timestamp>/`` (or ``--out``).
"""
