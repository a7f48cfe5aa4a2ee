"""Models: the catalog, the model cache, what is on this machine, and which model suits it.

Nothing here downloads implicitly: only ``pull`` (``hushcode models pull``) touches the network.
The package imports none of its modules, so that importing one (the catalog, for the settings)
does not load the others (the download code).
"""
