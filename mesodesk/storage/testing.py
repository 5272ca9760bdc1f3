"""Helpers for tests that run the records code on PostgreSQL too.

``scripts/with-postgres.sh`` starts a throwaway server and exports
``MESODESK_TEST_POSTGRES_URL``; each test then gets a schema of its own.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

ENV = "MESODESK_TEST_POSTGRES_URL"


def postgres_test_url() -> str | None:
    return os.environ.get(ENV) or None


def missing_postgres_reason() -> str:
    return (f"{ENV} is not set: run the tests through scripts/with-postgres.sh "
            "(make test does) to include PostgreSQL")


@contextlib.contextmanager
def throwaway_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema, dropped afterwards."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        admin.dispose()
