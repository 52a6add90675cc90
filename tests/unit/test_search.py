"""``authstage.search``: patterns that match what the user typed, folded text."""

from __future__ import annotations

from authstage.auth import User
from authstage.search import contains, fold, like_pattern


def test_like_pattern_escapes_the_wildcards_and_the_escape_character() -> None:
    assert like_pattern("100%") == "%100\\%%"
    assert like_pattern("a_b") == "%a\\_b%"
    assert like_pattern("C:\\x") == "%C:\\\\x%"
    assert like_pattern("plain") == "%plain%"


def test_fold_ignores_case_in_every_script_and_composes_accents() -> None:
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert fold("ÉCOLE") == fold("e\u0301cole") == "école"
    assert fold("ΣΊΣΥΦΟΣ") == fold("σίσυφος")


def test_contains_names_the_column_and_passes_the_pattern_as_a_parameter() -> None:
    clause = contains(User.name, "50%")
    sql, args = clause.querystring.compile_string()
    assert sql == '"authstage_user"."name" LIKE $1 ESCAPE \'\\\''
    assert args == ["%50\\%%"]
