"""Settings: layers, validation, trust, live reload, `hushcode config` and `hushcode models use`."""
