"""The `hushcode` command: thin argument parsing and printing over the services."""
