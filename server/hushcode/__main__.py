"""`python -m hushcode` is the same as the `hushcode` command."""

from hushcode.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
