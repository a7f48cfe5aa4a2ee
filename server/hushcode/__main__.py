"""`python -m hushcode` is the same as the `hushcode` command.

Run it as `python -I -m hushcode serve`: plain `python -m` puts the working directory first on the
import path, and Python imports from it before this file runs (see isolation.py).
"""

from hushcode.isolation import forget_user_paths

forget_user_paths()  # before anything else is imported: nothing more from the user's folders

from hushcode.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
