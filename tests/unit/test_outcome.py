"""Outcomes of no-JS posts belong to the form that produced them (its action and form key)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from authstage import AuthstagePlugin, RegistrationError, action, take_outcome
from authstage.outcome import Outcome
from authstage.pages import action_fields, bind
from authstage.testing import ActionClient
from tests.unit import sample_actions as sa
from tests.unit.conftest import SECRET

PAGE = "http://testserver.local/rows"


def _shown(outcome: Outcome | None) -> Any:
    if outcome is None:
        return None
    errors = outcome.error.field_errors if outcome.error else {}
    return {"ok": outcome.ok, "errors": errors, "form": outcome.form, "values": outcome.values}


@get("/rows")
async def rows() -> dict[str, Any]:
    """Two keyed forms of ``add``, one unkeyed, one of ``signup``: what each would render."""
    outcomes = await take_outcome()
    again = await take_outcome()  # a layout asking too: the same outcome, not None
    assert again is outcomes
    return {
        "row-1": _shown(outcomes.for_action(sa.add, form="row-1")),
        "row-2": _shown(outcomes.for_action("tests.unit.sample_actions.add", form="row-2")),
        "unkeyed": _shown(outcomes.for_action(sa.add)),
        "signup": _shown(outcomes.for_action(sa.signup)),
        "fields": str(action_fields(sa.add, form="row-1")),
        "bound": str(bind(sa.delete_post, 7).form_fields(form=7)),
    }


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient[Litestar]]:
    plugin = AuthstagePlugin(actions=[sa], secret=SECRET, production=False, debug=False)
    async with AsyncTestClient(Litestar(route_handlers=[rows], plugins=[plugin])) as c:
        yield c


@pytest.fixture
def actions(client: AsyncTestClient[Litestar]) -> ActionClient:
    return ActionClient(client)


async def test_a_failed_keyed_form_shows_its_errors_only_on_that_form(
    actions: ActionClient, client: AsyncTestClient[Litestar]
) -> None:
    response = await actions.form(sa.add, {"a": "1", "b": "x", "_form": "row-2"}, referer=PAGE)
    assert response.status_code == 303
    shown = (await client.get("/rows")).json()
    assert shown["row-2"] == {
        "ok": False,
        "errors": {"b": ["Must be a whole number"]},
        "form": "row-2",
        "values": {"a": "1", "b": "x"},  # the form key is kept apart from the values
    }
    assert shown["row-1"] is None
    assert shown["unkeyed"] is None
    assert shown["signup"] is None
    assert (await client.get("/rows")).json()["row-2"] is None  # shown exactly once


async def test_an_unkeyed_form_outcome_goes_to_the_unkeyed_form_of_its_action_only(
    actions: ActionClient, client: AsyncTestClient[Litestar]
) -> None:
    await actions.form(sa.add, {"a": "1", "b": "2"}, referer=PAGE)
    shown = (await client.get("/rows")).json()
    assert shown["unkeyed"] == {
        "ok": True,
        "errors": {},
        "form": None,
        "values": {"a": "1", "b": "2"},
    }
    assert shown["row-1"] is None and shown["row-2"] is None and shown["signup"] is None


async def test_form_key_helpers_render_the_hidden_form_field(
    client: AsyncTestClient[Litestar],
) -> None:
    shown = (await client.get("/rows")).json()
    assert '<input type="hidden" name="_form" value="row-1">' in shown["fields"]
    assert shown["bound"].count('type="hidden"') == 4  # _action, _bound, _form, _once
    assert '<input type="hidden" name="_form" value="7">' in shown["bound"]


def test_the_form_key_is_a_reserved_name() -> None:
    async def takes_form_key(_form: str) -> None: ...

    with pytest.raises(RegistrationError, match="reserved"):
        action(takes_form_key)
