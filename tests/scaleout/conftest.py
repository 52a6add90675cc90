"""The cluster the scale-out suite drives: started once for the module, on PostgreSQL + Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.scaleout.cluster import Cluster
from tests.unit.redis_server import delete_namespace, require_redis


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    redis = require_redis()
    name, url = _create_postgres_database()
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), url)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        delete_namespace(redis, cluster.namespace)
        redis.close()
        _drop_postgres_database(name)
