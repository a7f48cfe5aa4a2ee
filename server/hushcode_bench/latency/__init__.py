"""``hushcode bench latency``: replay a person typing real code and measure time to suggestion.

Data flow:

    typist (functions chosen with a seed, their keystrokes)
      -> session / replay (the real ``hushcode serve`` over stdio through the client, driven like
         VS Code; RSS sampled)
      -> the server's log (one ``complete req=i<n> ...`` line per request; server_log reads it)
      -> baseline (a separate process, ``python -m hushcode_bench.latency.baseline``: plain PSM
         prompt, llama-cpp-python's own cache, once per pause, after the server has exited)
      -> summary (figures, table) -> results.json + a table on stdout (command)

See docs/latency.md.
"""
