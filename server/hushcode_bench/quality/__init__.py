"""``hushcode bench quality``: holes cut from the user's repository, completed by the real server.

``command`` (arguments, printing) -> ``run`` (tasks, one server per configuration, scores) ->
``testrun`` (optional pass@1 in a copy of the repository) -> ``summary`` (figures, table, plot).
"""
