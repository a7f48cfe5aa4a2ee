"""``hushcode bench next-edit``: hushcode/nextEdit on real edits, release to release.

Tasks come from consecutive releases of pinned pure-Python packages (releases.py, releases.toml):
two nearby small hunks of one release make a task (tasks.py), the first made as the user's edit
and the second predicted; no-edit places test silence. The tasks go through the real server
(run.py), are scored with two baselines beside them (scoring.py, baselines.py), and are summed
up per split (summary.py). docs/benchmarks.md says how to run it and what it measured.
"""
