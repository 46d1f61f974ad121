"""The SQLite catalog: opening, migrating, and one module of queries per table group."""

from mediacenter.db.connection import (
    CorruptDatabaseError,
    DatabaseError,
    NewerDatabaseError,
    check_catalog,
    open_db,
    schema_version,
)
from mediacenter.db.schema import SCHEMA_VERSION
from mediacenter.db.tx import transaction

__all__ = [
    "SCHEMA_VERSION",
    "CorruptDatabaseError",
    "DatabaseError",
    "NewerDatabaseError",
    "check_catalog",
    "open_db",
    "schema_version",
    "transaction",
]
