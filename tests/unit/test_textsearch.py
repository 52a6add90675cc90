"""icontains: a substring match ignoring case, with the visitor's wildcards taken literally."""

from __future__ import annotations

import pytest

from authstage import icontains
from authstage.auth import User
from authstage.db import Database
from authstage.textsearch import escape_like

NAMES = ["Ada Lovelace", "alan_turing", "100% Grace", "Back\\slash", "Plain"]


def test_escape_like_escapes_wildcards_and_the_escape_character() -> None:
    assert escape_like("50%_off\\") == "50\\%\\_off\\\\"
    assert escape_like("plain") == "plain"


@pytest.fixture
async def users(database: Database) -> None:
    rows = [User(name=n, email=f"u{i}@example.com", password_hash="!") for i, n in enumerate(NAMES)]
    await User.insert(*rows).run(in_pool=False)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("LOVELACE", ["Ada Lovelace"]),
        ("_", ["alan_turing"]),
        ("%", ["100% Grace"]),
        ("\\", ["Back\\slash"]),
        ("n_t", ["alan_turing"]),
        ("a_t", []),  # "_" is no "any character"
        ("0%", ["100% Grace"]),
        ("", NAMES),
        ("nobody", []),
    ],
)
async def test_wildcards_match_only_themselves_on_both_engines(
    users: None, text: str, found: list[str]
) -> None:
    rows = await User.select(User.name).where(icontains(User.name, text)).run(in_pool=False)
    assert sorted(r["name"] for r in rows) == sorted(found)


async def test_it_combines_with_other_clauses(users: None) -> None:
    clause = icontains(User.name, "grace") | icontains(User.email, "u4@")
    rows = await User.select(User.name).where(clause).run(in_pool=False)
    assert sorted(r["name"] for r in rows) == ["100% Grace", "Plain"]
