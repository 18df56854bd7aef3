"""The query styles Knock's official SDKs send for lists of references, as the fake parses them.
The spec names these parameters ``recipients[]`` / ``objects[]`` with reference items; knockapi
sends each item's keys after ``[]``, @knocklabs/node indexes them. Both mean the same list."""

from __future__ import annotations

import pytest

from knockkit.testing.routes import parse_query

PEN = {"id": "p1", "collection": "projects"}
PADDOCK = {"id": "p2", "collection": "projects"}


@pytest.mark.parametrize(
    ("sdk", "query"),
    [
        ("knockapi", "recipients[][id]=p1&recipients[][collection]=projects&recipients[][id]=p2"
                     "&recipients[][collection]=projects"),
        ("@knocklabs/node", "recipients[0][id]=p1&recipients[0][collection]=projects&recipients[1][id]=p2"
                            "&recipients[1][collection]=projects"),
    ],
)  # fmt: skip
def test_a_list_of_object_references(sdk: str, query: str) -> None:
    assert parse_query(query) == {"recipients": [PEN, PADDOCK]}


def test_bracketed_keys_join_the_last_item_until_one_repeats() -> None:
    query = "recipients[]=u1&recipients[][id]=p1&recipients[][collection]=projects&recipients[]=u2&recipients[][id]=p3"
    assert parse_query(query) == {"recipients": ["u1", PEN, "u2", {"id": "p3"}]}
    assert parse_query("objects[][id]=p1&objects[][id]=p2") == {"objects": [{"id": "p1"}, {"id": "p2"}]}
