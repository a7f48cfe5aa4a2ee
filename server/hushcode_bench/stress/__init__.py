"""``hushcode bench stress``: a long typing storm against the real server; does it hold up?

Data flow: typist (functions of real files, the typist's keystrokes) -> storm (the quiet phase,
then the storm, through ``hushcode serve`` with the client; RSS and queue figures sampled) ->
summary (the figures against the targets of docs/reliability.md) -> results.json + a table on
stdout (command).
"""
