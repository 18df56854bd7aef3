"""Objects and subscriptions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from knockkit.testing.routes.table import (
    NO_CONTENT,
    Call,
    Reply,
    body_of,
    items_of,
    object_of,
    ok,
    page,
    query_list,
    recipient_of,
    route,
)
from knockkit.testing.stores import RKey, State, invalid, rkey_of


@route("GET", "/v1/objects/{collection}")
def list_objects(state: State, call: Call) -> Reply:
    collection = call.params["collection"]
    objects = [o for (c, _), o in state.objects.items() if c == collection]
    return ok(page(objects, call.query, state.render_object))


@route("GET", "/v1/objects/{collection}/{id}")
def get_object(state: State, call: Call) -> Reply:
    return ok(state.render_object(object_of(state, call.params["collection"], call.params["id"])))


@route("PUT", "/v1/objects/{collection}/{id}")
def set_object(state: State, call: Call) -> Reply:
    return ok(state.render_object(state.set_object(call.params["collection"], call.params["id"], body_of(call))))


@route("DELETE", "/v1/objects/{collection}/{id}")
def delete_object(state: State, call: Call) -> Reply:
    state.delete_object(call.params["collection"], call.params["id"])
    return NO_CONTENT


@route("POST", "/v1/objects/{collection}/bulk/set")
def bulk_set_objects(state: State, call: Call) -> Reply:
    collection = call.params["collection"]

    def apply(obj: Any) -> None:
        if not isinstance(obj, Mapping) or not isinstance(obj.get("id"), str):
            raise invalid("each object needs an id")
        state.set_object(collection, obj["id"], obj)

    return ok(state.bulk("objects.set", items_of(body_of(call), "objects"), apply))


@route("POST", "/v1/objects/{collection}/bulk/delete")
def bulk_delete_objects(state: State, call: Call) -> Reply:
    collection = call.params["collection"]
    ids = items_of(body_of(call), "object_ids")
    return ok(state.bulk("objects.delete", ids, lambda oid: state.delete_object(collection, str(oid))))


@route("POST", "/v1/objects/{collection}/bulk/subscriptions/add")
def bulk_add_subscriptions(state: State, call: Call) -> Reply:
    collection = call.params["collection"]

    def apply(item: Any) -> None:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise invalid("each subscription needs the object id")
        if (collection, item["id"]) not in state.objects:
            state.set_object(collection, item["id"], {})
        state.subscribe(collection, item["id"], item.get("recipients"), item.get("properties"))

    return ok(state.bulk("objects.add_subscriptions", items_of(body_of(call), "subscriptions"), apply))


@route("POST", "/v1/objects/{collection}/bulk/subscriptions/delete")
def bulk_delete_subscriptions(state: State, call: Call) -> Reply:
    collection = call.params["collection"]

    def apply(item: Any) -> None:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise invalid("each subscription needs the object id")
        state.unsubscribe(collection, item["id"], item.get("recipients"))

    return ok(state.bulk("objects.delete_subscriptions", items_of(body_of(call), "subscriptions"), apply))


@route("GET", "/v1/objects/{collection}/{object_id}/subscriptions")
def list_object_subscriptions(state: State, call: Call) -> Reply:
    collection, object_id = call.params["collection"], call.params["object_id"]
    key: RKey = ("object", collection, object_id)
    state.require(key)
    if call.query.get("mode") == "recipient":  # what this object is subscribed to
        return _subscriptions_of(state, call, key, "objects")
    wanted = query_list(call.query, "recipients")
    only = {rkey_of(r, "recipients") for r in wanted} if wanted else None
    entries = [
        {**entry, "_render": (collection, object_id, sub)}
        for sub, entry in state.subscriptions.get((collection, object_id), {}).items()
        if only is None or sub in only
    ]
    return ok(page(entries, call.query, lambda e: state.render_subscription(*e["_render"])))


@route("POST", "/v1/objects/{collection}/{object_id}/subscriptions")
def add_subscriptions(state: State, call: Call) -> Reply:
    body = body_of(call)
    recipients = items_of(body, "recipients", 100)
    return ok(state.subscribe(call.params["collection"], call.params["object_id"], recipients, body.get("properties")))


@route("DELETE", "/v1/objects/{collection}/{object_id}/subscriptions")
def delete_subscriptions(state: State, call: Call) -> Reply:
    recipients = items_of(body_of(call), "recipients", 100)
    return ok(state.unsubscribe(call.params["collection"], call.params["object_id"], recipients))


@route("GET", "/v1/users/{user_id}/subscriptions")
def list_user_subscriptions(state: State, call: Call) -> Reply:
    return _subscriptions_of(state, call, recipient_of(state, call), "objects")


def _subscriptions_of(state: State, call: Call, key: RKey, filter_name: str) -> Reply:
    wanted = query_list(call.query, filter_name)
    only = {(str(o.get("collection")), str(o.get("id"))) for o in wanted if isinstance(o, Mapping)} if wanted else None
    entries = [
        {**subscribers[key], "_render": (collection, object_id, key)}
        for (collection, object_id), subscribers in state.subscriptions.items()
        if key in subscribers and (only is None or (collection, object_id) in only)
    ]
    return ok(page(entries, call.query, lambda e: state.render_subscription(*e["_render"])))
