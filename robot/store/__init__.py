"""The case store: accounts, campaigns, attempts, turns, outcomes, recordings.

``Store`` (SQLite through aiosqlite, versioned SQL migrations) is the only way the rest
of Dunbot reads or writes them.
"""

from robot.store.db import Store
from robot.store.models import Account, Recording, Turn, bucket_for

__all__ = ["Account", "Recording", "Store", "Turn", "bucket_for"]
