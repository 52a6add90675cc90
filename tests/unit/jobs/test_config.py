"""``JobsConfig``: switching backends is configuration only, and bad settings fail at startup."""

from __future__ import annotations

import pytest

from authstage import ConfigurationError
from authstage.jobs import Jobs, JobsConfig
from authstage.jobs.database import DatabaseBackend
from authstage.jobs.redisqueue import SaqBackend

ENV = ("AUTHSTAGE_JOBS_URL", "REDIS_URL", "AUTHSTAGE_JOBS_QUEUE", "AUTHSTAGE_JOBS_CONCURRENCY")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_with_nothing_configured_jobs_live_in_the_database_and_run_in_the_app() -> None:
    jobs = Jobs()
    assert isinstance(jobs.backend, DatabaseBackend)
    assert (jobs.config.url, jobs.config.run_in_app) == ("database", True)
    assert (jobs.config.queue, jobs.config.concurrency) == ("authstage", 10)


def test_authstage_jobs_url_picks_saq_run_by_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSTAGE_JOBS_URL", "redis://queue:6379/2")
    monkeypatch.setenv("AUTHSTAGE_JOBS_QUEUE", "mail")
    monkeypatch.setenv("AUTHSTAGE_JOBS_CONCURRENCY", "3")
    jobs = Jobs()
    assert isinstance(jobs.backend, SaqBackend)
    assert (jobs.config.run_in_app, jobs.config.queue, jobs.config.concurrency) == (
        False,
        "mail",
        3,
    )


def test_redis_url_picks_saq_unless_jobs_are_pinned_to_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    assert isinstance(Jobs().backend, SaqBackend)
    monkeypatch.setenv("AUTHSTAGE_JOBS_URL", "database")
    assert isinstance(Jobs().backend, DatabaseBackend)


def test_an_unsupported_url_is_refused_without_echoing_its_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        JobsConfig(url="amqp://user:hunter2@mq:5672/").resolve()
    assert "amqp://mq:5672" in str(caught.value)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "settings",
    [{"concurrency": 0}, {"heartbeat": 0}, {"timeout": -1}, {"retry_delay": 500.0}],
)
def test_settings_out_of_range_fail_at_startup(settings: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        JobsConfig(**settings).resolve()  # type: ignore[arg-type]


def test_a_concurrency_that_is_not_a_number_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHSTAGE_JOBS_CONCURRENCY", "lots")
    with pytest.raises(ConfigurationError, match="AUTHSTAGE_JOBS_CONCURRENCY"):
        JobsConfig().resolve()


def test_resolve_returns_a_new_value_and_leaves_the_callers_alone() -> None:
    config = JobsConfig()
    resolved = config.resolve()
    assert config.url is None
    assert resolved.url == "database"
    assert resolved is not config


def test_retry_delays_double_up_to_the_cap() -> None:
    config = JobsConfig(retry_delay=1.0, retry_max_delay=5.0)
    assert [config.backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
