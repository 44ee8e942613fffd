"""Where the journal lives: the URL given, else the environment's, else a file in the user's
data directory; and URLs as messages show them (password hidden).

No SQLAlchemy here: the CLI resolves URLs without paying for its import.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["DEFAULT_URL_ENV", "default_url", "resolve_url", "shown"]

DEFAULT_URL_ENV = "BEDSTRETCH_DATABASE_URL"


def default_url() -> str:
    """``sqlite:///<user data dir>/journal.sqlite3``; creates the directory."""
    import platformdirs

    directory = Path(platformdirs.user_data_dir("bedstretch", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'journal.sqlite3'}"


def resolve_url(option: str | None) -> str:
    """The URL given (``--db``), else ``$BEDSTRETCH_DATABASE_URL``, else ``default_url()``."""
    if option:
        return option
    return os.environ.get(DEFAULT_URL_ENV) or default_url()


def shown(url: str) -> str:
    """The URL for messages, with any password hidden (even when the URL does not parse)."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)
