"""Integrations: the JSON-RPC endpoints behind Knock's Census and Hightouch destinations.

```python
integrations.census_custom_destination(client, "list_objects", {}, id="1")
```
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from knockkit._client import Client
from knockkit._common import check_mapping
from knockkit._endpoint import endpoint
from knockkit._http import request

__all__ = ["census_custom_destination", "hightouch_embedded_destination"]


def _rpc(
    client: Client, path: str, method: str, params: Mapping[str, Any] | None, id: str | None, jsonrpc: str
) -> dict[str, Any]:
    if not isinstance(method, str) or not method:
        raise ValueError("method must be a non-empty JSON-RPC method name")
    if id is not None and (not isinstance(id, str) or not id):
        raise ValueError("id must be a non-empty string")
    body: dict[str, Any] = {"id": id if id is not None else str(uuid.uuid4()), "jsonrpc": jsonrpc, "method": method}
    if params is not None:
        body["params"] = check_mapping("params", params)
    return request(client, "POST", path, json=body, into=dict)


@endpoint
def census_custom_destination(
    client: Client, method: str, params: Mapping[str, Any] | None = None, *, id: str | None = None,
    jsonrpc: str = "2.0",
) -> dict[str, Any]:  # fmt: skip
    """Send one JSON-RPC request to Knock's Census custom destination; returns the JSON-RPC
    response (``{"id": ..., "result": {...}}``). ``id`` defaults to a fresh UUID."""
    return _rpc(client, "/v1/integrations/census/custom-destination", method, params, id, jsonrpc)


@endpoint
def hightouch_embedded_destination(
    client: Client, method: str, params: Mapping[str, Any] | None = None, *, id: str | None = None,
    jsonrpc: str = "2.0",
) -> dict[str, Any]:  # fmt: skip
    """Send one JSON-RPC request to Knock's Hightouch embedded destination; returns the
    JSON-RPC response (``{"id": ..., "result": {...}}``). ``id`` defaults to a fresh UUID."""
    return _rpc(client, "/v1/integrations/hightouch/embedded-destination", method, params, id, jsonrpc)
