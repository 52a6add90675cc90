"""The cluster the scale-out suite drives: started once for the module, on PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.scaleout.cluster import Cluster
from tests.unit.redis_server import delete_namespace, require_redis


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    redis = require_redis()
    name, url = create_postgres_database()
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), url)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        delete_namespace(redis, cluster.namespace)
        redis.close()
        drop_postgres_database(name)
