"""Remote engines: the same completions from a shared inference server (opt-in, see docs/team.md).

One module per protocol (`llama_server`, `openai`, `ollama`) on a shared base (`base`: state,
health probes, deadline, retries; newest-request-wins is engine/scheduler.py, as for the local
engine; `http`: one connection pool per engine).
Nothing in here opens a connection unless `engine.kind` names a remote engine.
"""
