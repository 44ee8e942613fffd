"""The ``bedstretch`` command line: thin commands over the services (``bedstretch.services``).

``root`` holds the group, the shared state (the composition point) and the error mapping; each
other module registers the commands of one area, imported when one of them runs
(``root.COMMANDS``).
"""

from bedstretch.cli.root import cli, main

__all__ = ["cli", "main"]
