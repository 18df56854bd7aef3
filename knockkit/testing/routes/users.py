"""Users, and the preferences and channel data of users and objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit.testing.routes.table import (
    NO_CONTENT,
    Call,
    Reply,
    body_of,
    items_of,
    ok,
    page,
    recipient_of,
    route,
    user_of,
)
from knockkit.testing.stores import RKey, State, invalid


@route("GET", "/v1/users")
def list_users(state: State, call: Call) -> Reply:
    order = call.query.get("order", "asc")
    if order not in ("asc", "desc"):
        raise invalid("order must be asc or desc")
    return ok(page(state.users.values(), call.query, state.render_user, newest_first=order == "desc"))


@route("GET", "/v1/users/{user_id}")
def get_user(state: State, call: Call) -> Reply:
    return ok(state.render_user(user_of(state, call.params["user_id"])))


@route("PUT", "/v1/users/{user_id}")
def identify_user(state: State, call: Call) -> Reply:
    return ok(state.render_user(state.identify_user(call.params["user_id"], body_of(call))))


@route("DELETE", "/v1/users/{user_id}")
def delete_user(state: State, call: Call) -> Reply:
    state.delete_user(call.params["user_id"])
    return NO_CONTENT


@route("POST", "/v1/users/{user_id}/merge")
def merge_user(state: State, call: Call) -> Reply:
    from_user_id = body_of(call).get("from_user_id")
    if not isinstance(from_user_id, str) or not from_user_id:
        raise invalid("from_user_id must be a non-empty string")
    return ok(state.render_user(state.merge_users(call.params["user_id"], from_user_id)))


@route("POST", "/v1/users/bulk/identify")
def bulk_identify_users(state: State, call: Call) -> Reply:
    def apply(user: Any) -> None:
        if not isinstance(user, Mapping) or not isinstance(user.get("id"), str):
            raise invalid("each user needs an id")
        state.identify_user(user["id"], user)

    return ok(state.bulk("users.identify", items_of(body_of(call), "users"), apply))


@route("POST", "/v1/users/bulk/delete")
def bulk_delete_users(state: State, call: Call) -> Reply:
    return ok(state.bulk("users.delete", items_of(body_of(call), "user_ids"), lambda uid: state.delete_user(str(uid))))


@route("POST", "/v1/users/bulk/preferences")
def bulk_set_user_preferences(state: State, call: Call) -> Reply:
    body = body_of(call)
    prefs = body.get("preferences")
    if not isinstance(prefs, Mapping):
        raise invalid("preferences must be an object")
    set_id = str(prefs.get("id") or "default")

    def apply(user_id: Any) -> None:
        key: RKey = ("user", str(user_id))
        state.require(key)
        state.set_preferences(key, set_id, prefs)

    return ok(state.bulk("users.set_preferences", items_of(body, "user_ids"), apply))


# --- preferences and channel data (users and objects) ------------------------------------------


def _list_preferences(state: State, call: Call) -> Reply:
    key = recipient_of(state, call)
    sets = state.preferences.get(key) or {"default": {}}
    return ok([state.preference_set(key, set_id) for set_id in sets])


def _get_preferences(state: State, call: Call) -> Reply:
    key = recipient_of(state, call)
    tenant = call.query.get("tenant")
    return ok(state.preference_set(key, call.params["id"], tenant if isinstance(tenant, str) else None))


def _set_preferences(state: State, call: Call) -> Reply:
    return ok(state.set_preferences(recipient_of(state, call), call.params["id"], body_of(call)))


def _unset_preferences(state: State, call: Call) -> Reply:
    state.preferences.get(recipient_of(state, call), {}).pop(call.params["id"], None)
    return NO_CONTENT


def _get_channel_data(state: State, call: Call) -> Reply:
    return ok(state.render_channel_data(recipient_of(state, call), call.params["channel_id"]))


def _set_channel_data(state: State, call: Call) -> Reply:
    body = body_of(call)
    if "data" not in body:
        raise invalid("data is required")
    return ok(state.set_channel_data(recipient_of(state, call), call.params["channel_id"], body["data"]))


def _unset_channel_data(state: State, call: Call) -> Reply:
    state.channel_data.get(recipient_of(state, call), {}).pop(call.params["channel_id"], None)
    return NO_CONTENT


for _prefix in ("/v1/users/{user_id}", "/v1/objects/{collection}/{object_id}"):
    route("GET", _prefix + "/preferences")(_list_preferences)
    route("GET", _prefix + "/preferences/{id}")(_get_preferences)
    route("PUT", _prefix + "/preferences/{id}")(_set_preferences)
    route("DELETE", _prefix + "/preferences/{id}")(_unset_preferences)
    route("GET", _prefix + "/channel_data/{channel_id}")(_get_channel_data)
    route("PUT", _prefix + "/channel_data/{channel_id}")(_set_channel_data)
    route("DELETE", _prefix + "/channel_data/{channel_id}")(_unset_channel_data)
