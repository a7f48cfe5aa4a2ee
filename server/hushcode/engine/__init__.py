"""The engine: one supervised child process that owns the model and runs one generation at a time."""
