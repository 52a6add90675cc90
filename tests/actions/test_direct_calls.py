"""Calling the app's protected actions directly in a test (no HTTP), with and without a session.

No server runs here: the database is used from the test's own event loop.
"""

from __future__ import annotations

import pytest
from litestar import Litestar

from actions import accounts
from actions.schemas import ProfileIn, UserOut
from authstage import Unauthorized
from authstage.auth.accounts import create_user
from authstage.auth.sessions import SessionManager
from authstage.testing import ActionCaller
from tests.conftest import FAST_HASHER


async def test_direct_call_with_and_without_a_session(db_app: Litestar) -> None:
    user_id = await create_user("ada@example.com", "Ada", "correct horse", hasher=FAST_HASHER)
    token = await SessionManager().create(user_id)
    with pytest.raises(Unauthorized):
        await ActionCaller(db_app)(accounts.update_profile, ProfileIn(name="Nobody"))
    as_ada = ActionCaller(db_app, cookies={"authstage_session": token})
    result = await as_ada.run(accounts.update_profile, ProfileIn(name="Ada Direct"))
    assert isinstance(result.value, UserOut)
    assert result.value.name == "Ada Direct"
    assert result.revalidated_paths == ["/profile"]
    sessions = await as_ada(accounts.list_sessions)
    assert [s.current for s in sessions] == [True]
