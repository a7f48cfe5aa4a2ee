"""Settings: typed sections, their layers (defaults, user file, project files, editor, environment),
the trust rule for project files, live reload, and the `hushcode config` command."""
