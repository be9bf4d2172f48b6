import sys

from . import early


def run() -> int:
    """The `sqlalchemy-lint` command: fork the early worker (see `early.py`) before
    the command line is imported."""
    early.start(sys.argv[1:])
    from .cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
