"""``hushcode bench``: measure hushcode on the user's own code, driving the real server as an editor would.

One sub-package per benchmark, each with a ``command`` module (its arguments and what it prints):

- ``quality``: holes cut from a repository, completed by the server, scored (and tested);
- ``latency``: a person typing real code, time to suggestion against a plain baseline;
- ``context``: cross-file holes with and without workspace context, and the index's figures;
- ``stress``: a typing storm; does the server hold up;
- ``team`` (a module): several users against one shared engine.

What they share:

- ``client``: the one LSP client (starts ``hushcode serve``, initializes it, sends what an editor
  sends); ``suggestions``: one suggestion asked for and read as the editor shows it;
  ``server_log``: the server's own figures per request, from its log;
- ``sources`` (files worth cutting) -> ``holes`` (tasks cut with tree-sitter, by ``languages``) ->
  ``scoring`` (``metrics`` per task); ``typist``: the keystrokes of re-typing a function;
- ``cli`` (the entry point, ``hushcode_bench.cli:run``), ``arguments`` (shared flags and checks),
  ``configs`` (a configuration and its server's environment), ``report`` (results file, tables),
  ``provenance`` (code, machine, load), ``processes`` (memory and CPU), ``shadowing`` (the typing
  workspace), ``index`` (``python -m hushcode_bench.index``: the index's figures, in a child).

The product (``hushcode``) never imports this package.
"""
