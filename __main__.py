"""`python -m virtlint`: the same entry point as the `virtlint` command."""

from virtlint.linter.cli import main

if __name__ == "__main__":
    main()
