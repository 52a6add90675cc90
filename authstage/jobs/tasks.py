"""Registering background tasks: the ``@task`` decorator and the payload check at enqueue.

A task is a plain ``async def`` whose arguments are keyword-only data, registered like an
action: ``@task`` analyses the signature once with the actions' own ``ActionSignature`` (one
msgspec Struct of the arguments, the return annotation as the result's wire type), so a task
can take exactly the types an action can, files excepted. ``TaskSpec.payload`` runs at
``enqueue``: it converts the keyword arguments through that Struct, so a payload that does not
match fails right there with ``ValidationFailed`` (422, field errors in the actions' shape) and
nothing is queued. What is queued is the validated payload as JSON builtins; the worker
converts it again (a queue entry may outlive a deploy that changed the signature).

Cost: one ``msgspec.convert`` per enqueue and per run, both in C.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar, overload

import msgspec

from authstage.errors import RegistrationError
from authstage.params import ActionSignature
from authstage.validation import validation_error

__all__ = ["TaskSpec", "collect_tasks", "task", "task_spec"]

F = TypeVar("F", bound=Callable[..., Any])
_ATTR = "__authstage_task__"


@dataclass(frozen=True, slots=True, eq=False)
class TaskSpec:
    """Everything known about one task before any job runs."""

    fn: Callable[..., Any]
    name: str
    signature: ActionSignature
    #: Attempts in all (1 = never retried); None takes the queue's default.
    retries: int | None = None
    #: Seconds one attempt may run before it is cancelled; None takes the queue's default.
    timeout: int | None = None

    def payload(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The validated arguments of one job, as JSON builtins.

        Raises:
            ValidationFailed: the arguments do not match the task's signature.
        """
        builtins = msgspec.to_builtins(kwargs)
        try:
            msgspec.convert(builtins, self.signature.args_type)
        except msgspec.ValidationError as exc:
            raise validation_error(self.signature, builtins, exc) from None
        return builtins  # type: ignore[no-any-return]

    def call_args(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Keyword arguments for the function from a stored payload (raises msgspec errors)."""
        args = msgspec.convert(payload, self.signature.args_type)
        return {p.name: getattr(args, p.name) for p in self.signature.params}

    def result(self, value: Any) -> Any:
        """The function's return value as JSON builtins of its return annotation."""
        return msgspec.json.decode(self.signature.encode_result(value))


@overload
def task(fn: F, /) -> F: ...
@overload
def task(
    *, name: str | None = None, retries: int | None = None, timeout: int | None = None
) -> Callable[[F], F]: ...
def task(
    fn: F | None = None,
    /,
    *,
    name: str | None = None,
    retries: int | None = None,
    timeout: int | None = None,
) -> F | Callable[[F], F]:
    """Mark an ``async def`` as a background task; ``enqueue(fn, **kwargs)`` runs it later.

    Args:
        name: stable name jobs are queued under; defaults to ``module.qualname``. Keep it when
            moving the function, or queued jobs will not find it.
        retries: attempts in all for one job (default: the queue's ``retries``).
        timeout: seconds one attempt may run (default: the queue's ``timeout``).

    Example:
        >>> @task
        ... async def send_email(to: str, subject: str, body: str) -> None:
        ...     await mailer.send(to, subject, body)
    """

    def mark(f: F) -> F:
        if not inspect.iscoroutinefunction(f):
            raise RegistrationError(f"@task needs an `async def`, got {f!r}")
        qualname = name or f"{f.__module__}.{f.__qualname__}"
        for value, label in ((retries, "retries"), (timeout, "timeout")):
            if value is not None and value <= 0:
                raise RegistrationError(f"task {qualname}: {label} must be positive")
        signature = ActionSignature(f, qualname)
        if files := [p.name for p in signature.params if p.is_file]:
            raise RegistrationError(
                f"task {qualname}: {files} are files; store the upload and pass its key instead"
            )
        spec = TaskSpec(f, qualname, signature, retries=retries, timeout=timeout)
        setattr(f, _ATTR, spec)
        return f

    return mark(fn) if fn is not None else mark


def task_spec(fn: Callable[..., Any]) -> TaskSpec:
    """The ``TaskSpec`` of a function decorated with ``@task``.

    Raises:
        RegistrationError: ``fn`` is not a task.
    """
    spec = getattr(fn, _ATTR, None)
    if not isinstance(spec, TaskSpec):
        raise RegistrationError(f"{fn!r} is not a task: decorate it with @task")
    return spec


def collect_tasks(sources: Iterable[ModuleType | Callable[..., Any] | str]) -> dict[str, TaskSpec]:
    """The tasks of modules (or import paths) and functions, by name; duplicates refused.

    Raises:
        RegistrationError: two different functions share a task name.
    """
    found: dict[str, TaskSpec] = {}
    for item in sources:
        source = importlib.import_module(item) if isinstance(item, str) else item
        if isinstance(source, ModuleType):
            specs = [
                spec
                for value in vars(source).values()
                if isinstance(spec := getattr(value, _ATTR, None), TaskSpec)
                and getattr(value, "__module__", None) == source.__name__
            ]
        else:
            specs = [task_spec(source)]
        for spec in specs:
            known = found.setdefault(spec.name, spec)
            if known.fn is not spec.fn:
                raise RegistrationError(
                    f"two tasks share the name {spec.name!r}: give one of them @task(name=...)"
                )
    return found
