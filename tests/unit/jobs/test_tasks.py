"""``@task``: registration checks once, payload validation at enqueue, results as annotated."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from authstage import RegistrationError, UploadedFile, ValidationFailed
from authstage.jobs import report_progress, task
from authstage.jobs.status import TaskFailed, execute
from authstage.jobs.tasks import collect_tasks, task_spec
from tests.unit.jobs import sample_tasks as jt


class Public(msgspec.Struct):
    name: str


class Row(msgspec.Struct):
    name: str
    password_hash: str


def test_a_task_must_be_an_async_def() -> None:
    def sync(x: int) -> int:
        return x

    with pytest.raises(RegistrationError, match="async def"):
        task(sync)


def test_a_task_cannot_take_a_file() -> None:
    async def upload(avatar: UploadedFile) -> None: ...

    with pytest.raises(RegistrationError, match="store the upload and pass its key"):
        task(upload)


def test_a_task_parameter_msgspec_cannot_decode_fails_at_registration() -> None:
    async def bad(sock: object) -> None: ...

    with pytest.raises(RegistrationError):
        task(bad)


def test_retries_and_timeout_must_be_positive() -> None:
    async def fine() -> None: ...

    with pytest.raises(RegistrationError, match="retries must be positive"):
        task(retries=0)(fine)


def test_two_tasks_sharing_a_name_are_refused() -> None:
    @task(name="same")
    async def one() -> None: ...

    @task(name="same")
    async def two() -> None: ...

    with pytest.raises(RegistrationError, match="share the name 'same'"):
        collect_tasks([one, two])
    assert list(collect_tasks([one, one])) == ["same"]


def test_a_module_contributes_its_own_tasks_only() -> None:
    names = set(collect_tasks(["tests.unit.jobs.sample_tasks"]))
    assert "tests.unit.jobs.sample_tasks.add" in names
    assert all(name.startswith("tests.unit.jobs.sample_tasks.") for name in names)


def test_a_payload_is_validated_with_every_field_error_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        task_spec(jt.send_email).payload({"to": "nobody", "subject": 3})
    assert set(caught.value.field_errors) == {"to", "subject", "body"}


class Export(msgspec.Struct):
    user_id: int
    formats: list[str] = []


async def test_a_struct_argument_travels_as_builtins_and_arrives_as_the_struct() -> None:
    @task
    async def export(request: Export, *, note: str = "") -> str:
        assert isinstance(request, Export)
        return f"{request.user_id}:{','.join(request.formats)}:{note}"

    spec = task_spec(export)
    payload = spec.payload({"request": Export(user_id=7, formats=["csv", "json"])})
    assert payload == {"request": {"user_id": 7, "formats": ["csv", "json"]}}
    assert await execute(spec, payload, _ignore) == "7:csv,json:"


def test_a_valid_payload_becomes_json_builtins() -> None:
    payload = task_spec(jt.add).payload({"a": 1, "b": 2})
    assert payload == {"a": 1, "b": 2}
    assert msgspec.json.decode(msgspec.json.encode(payload)) == payload


async def test_a_result_is_encoded_as_the_return_annotation() -> None:
    @task
    async def load(name: str) -> Public:
        return Row(name=name, password_hash="$argon2id$secret")  # type: ignore[return-value]

    result = await execute(task_spec(load), {"name": "ada"}, _ignore)
    assert result == {"name": "ada"}  # the undeclared field never leaves the task


async def test_a_stored_payload_that_no_longer_fits_fails_without_retry() -> None:
    with pytest.raises(TaskFailed) as caught:
        await execute(task_spec(jt.add), {"a": "x", "b": 1}, _ignore)
    assert (caught.value.error.code, caught.value.retry) == ("VALIDATION", False)


async def test_report_progress_outside_a_job_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="tasks run as jobs"):
        await report_progress(0.5)


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
async def test_report_progress_refuses_fractions_outside_0_to_1(fraction: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        await report_progress(fraction)


async def _ignore(_: float) -> Any:
    return None
