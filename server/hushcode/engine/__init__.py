"""The engines that compute completions: the local one (a supervised child process that owns the
model: `local`, `process`, `pipe`, talking `wire` with `hushcode.worker`) and the remote ones
(`remote/`), behind one interface (`interface`), scheduled alike (`scheduler`)."""
