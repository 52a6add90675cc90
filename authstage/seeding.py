"""Demo data written once, at the first start of an app in development: ``AuthstageConfig(seed=)``.

A newcomer's first ``make run`` should show an app with something in it: accounts to sign in
with, a few rows. The app gives a seeder (an ``async def`` taking no arguments) and the plugin
runs it at startup, after the app's own startup hooks (so after ``Database.startup`` has
migrated the embedded SQLite default), under three rules:

- never in production (``production=True`` or ``AUTHSTAGE_ENV=production``): demo accounts
  with published passwords must not exist there;
- only on a database without users: a restart, or a database somebody already uses, is left
  alone, so seeding never duplicates anything and never mixes demo rows into real ones;
- all or nothing: the seeder runs in one write transaction, so a seeder that fails part way
  leaves no half-seeded database (and the next start tries again). Two processes starting at
  once are serialized (SQLite's ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock), and the second
  finds the users of the first.

A database whose user table does not exist yet (PostgreSQL in development, before
``authstage migrate``) is not seeded; the next start after migrating is.

Why not a migration: migrations also run in production, and demo rows there are the one thing
this must never do. Why not a command only: the first Quick start command has to show them.
"""

from __future__ import annotations

import logging

from piccolo.engine.postgres import PostgresEngine

from authstage.auth.tables import User
from authstage.config import Seeder
from authstage.db import current_engine, write_transaction

__all__ = ["Seeder", "run_seed"]

logger = logging.getLogger("authstage.seeding")

#: The PostgreSQL advisory lock taken while seeding (any fixed number of this app's own).
_SEED_LOCK = 0x5EED_A57A


async def run_seed(seed: Seeder, *, production: bool) -> bool:
    """Run ``seed`` when the rules of this module allow; True when it ran.

    Raises:
        Exception: whatever ``seed`` raised (nothing it wrote is kept).
    """
    if production:
        return False
    if not await User.table_exists():
        logger.info("not seeding: the user table does not exist yet (run authstage migrate)")
        return False
    if await User.exists():
        return False
    engine = current_engine()
    async with write_transaction(engine):
        if isinstance(engine, PostgresEngine):
            await engine.run_ddl(f"SELECT pg_advisory_xact_lock({_SEED_LOCK})")
        if await User.exists():  # another process seeded while this one waited
            return False
        await seed()
    logger.info("seeded the demo data")
    return True
