"""The contract-test harness: Knock's OpenAPI spec, the api map, and a request validator.

Both files are read from ``tests/data`` (copies of the project's ``shared/`` files). The spec
is adjusted for validation in exactly one place, :data:`ADJUSTMENTS` below, each adjustment
with its reason. Nothing else in the contract tests may change what the spec says: when a
recorded request fails validation, fix knockkit (or, if the spec is wrong, add an adjustment
here with the evidence).

The validator is openapi-core's, run on the adjusted spec. The harness adds checks that
openapi-core does not make (query parameters the operation does not declare, scalars sent
in bracket form or twice, a body sent to an operation that takes none, body keys that an
object schema listing its properties does not declare); those only make validation stricter.

Adjustments (see :data:`ADJUSTMENTS` for the full reasons): declare-path-parameters,
newer-parameters, null-branches, contradicting-union-types, one-of-as-any-of, bracket-query-style,
json-string-parameters.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import functools
import importlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.casting.schemas import oas30_write_schema_casters_factory
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from openapi_core.deserializing.styles import StyleDeserializersFactory, style_deserializers
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from werkzeug.wrappers import Request

DATA = Path(__file__).resolve().parent.parent / "data"
SPEC_FILE = DATA / "knock-openapi.yml"
MAP_FILE = DATA / "api-map.tsv"

#: The spec's server. Recorded requests are validated as if they had been sent there.
SERVER = "https://api.knock.app"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")

Json = Any
Spec = dict[str, Any]

#: Figures the contract tests report at the end of the run (see conftest.py).
SUMMARY: dict[str, str] = {}


# --- the api map -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MapRow:
    method: str
    path: str
    operation_id: str
    function: str
    note: str

    @property
    def canonical(self) -> bool:
        """A real operation that knockkit calls (not an alias, not a helper)."""
        return self.function != "-" and self.method != "-"

    @property
    def helper(self) -> bool:
        """A knockkit function without an operation of its own."""
        return self.method == "-"

    @property
    def operation(self) -> tuple[str, str]:
        return (self.method, self.path)


@functools.cache
def api_map() -> tuple[MapRow, ...]:
    with MAP_FILE.open(newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return tuple(MapRow(r["method"], r["path"], r["operationId"], r["knockkit"], r["note"] or "") for r in reader)


def canonical_rows() -> list[MapRow]:
    return [row for row in api_map() if row.canonical]


def mapped_functions() -> list[str]:
    """Every knockkit function the map names, in map order, without repeats."""
    return list(dict.fromkeys(row.function for row in api_map() if row.function != "-"))


def resolve_function(dotted: str) -> tuple[Callable[..., Any] | None, str]:
    """``"providers.slack.list_channels"`` -> (the function, "") or (None, why it is missing)."""
    module_name, _, attr = ("knockkit." + dotted).rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        return None, f"module {module_name} cannot be imported ({exc})"
    fn = getattr(module, attr, None)
    if fn is None:
        return None, f"{module_name} has no attribute {attr!r}"
    if not callable(fn):
        return None, f"{module_name}.{attr} is not callable"
    return fn, ""


# --- the spec as published ------------------------------------------------------------


@functools.cache
def raw_spec() -> Spec:
    """The spec exactly as in tests/data (do not mutate: use :func:`adjusted_spec`)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_FILE.open() as handle:
        spec: Spec = yaml.load(handle, Loader=loader)  # a safe loader (C or pure Python)
    return spec


def operations(spec: Spec | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path template) -> operation object."""
    spec = raw_spec() if spec is None else spec
    return {
        (method.upper(), path): op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }


def resolve(spec: Spec, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow ``$ref`` s to a schema object."""
    seen = 0
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        node: Any = spec
        for part in ref[2:].split("/"):
            node = node[part]
        schema = node
        seen += 1
        assert seen < 50, f"$ref loop at {ref}"
    return schema


def schema_name(schema: Mapping[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


# --- the adjustments: the ONE place where the spec is changed for validation -------------


@dataclasses.dataclass(frozen=True)
class Adjustment:
    key: str
    what: str
    why: str
    apply: Callable[[Spec], list[str]]  # changes the spec in place; returns the places changed


def _declare_path_parameters(spec: Spec) -> list[str]:
    places = []
    for (method, path), op in operations(spec).items():
        declared = {p["name"] for p in op.get("parameters", []) if p.get("in") == "path"}
        declared |= {p["name"] for p in spec["paths"][path].get("parameters", []) if p.get("in") == "path"}
        missing = [name for name in re.findall(r"\{([^}]+)\}", path) if name not in declared]
        for name in missing:
            op.setdefault("parameters", []).append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            )
        if missing:
            places.append(f"{method} {path}: {', '.join(missing)}")
    return places


#: Query parameters Knock's API gained after the spec in tests/data was published:
#: (method, path) -> the parameters as the spec would declare them, and the evidence.
NEWER_PARAMETERS: dict[tuple[str, str], tuple[list[dict[str, Any]], str]] = {
    ("get", "/v1/users"): (
        [
            {
                "name": "order",
                "in": "query",
                "required": False,
                "description": "(harness) the sort order of the list",
                "schema": {"type": "string", "enum": ["asc", "desc"]},
            }
        ],
        "Knock's API takes order=asc|desc on GET /v1/users; the official SDKs send it since 1.32 "
        "(knockkit issue 10)",
    ),
}


def _newer_parameters(spec: Spec) -> list[str]:
    places = []
    for (method, path), (params, _) in NEWER_PARAMETERS.items():
        op = spec["paths"][path][method]
        declared = {p["name"] for p in op.get("parameters", [])}
        for param in params:
            # Once the spec declares it, this entry must go (test_harness checks the places).
            if param["name"] not in declared:
                op.setdefault("parameters", []).append(copy.deepcopy(param))
                places.append(f"{method} {path}: {param['name']}")
    return places


#: ``oneOf`` unions whose branches overlap, so that a valid value matches more than one
#: branch and a strict ``oneOf`` rejects it. Each entry: the schema, and a value Knock
#: documents as valid that matches two branches (tests/contract/test_harness.py proves it
#: against the unadjusted spec, so an entry that is no longer needed fails there).
AMBIGUOUS_ONE_OF: dict[str, tuple[Json, str]] = {
    "RecipientRequest": (
        {"id": "project-1", "collection": "projects"},
        "an object reference {id, collection} is a valid InlineIdentifyObjectRequest and also a valid "
        "InlineIdentifyUserRequest (which allows additional properties); Knock tells them apart by "
        "the presence of `collection`, as the schema's description says",
    ),
}


def _one_of_as_any_of(spec: Spec) -> list[str]:
    places = []
    for name in AMBIGUOUS_ONE_OF:
        schema = spec["components"]["schemas"][name]
        schema["anyOf"] = schema.pop("oneOf")
        places.append(f"components.schemas.{name}")
    return places


def _is_bare_nullable(branch: Any) -> bool:
    return (
        isinstance(branch, dict)
        and branch.get("nullable") is True
        and all(key == "nullable" or key.startswith("x-") or key == "description" for key in branch)
    )


def _null_branches(spec: Spec) -> list[str]:
    places = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for keyword in ("oneOf", "anyOf"):
                for index, branch in enumerate(node.get(keyword, ())):
                    if _is_bare_nullable(branch):
                        node[keyword][index] = {**branch, "enum": [None]}
                        places.append(f"{where}.{keyword}[{index}]")
            for key, value in node.items():
                walk(value, f"{where}.{key}" if where else key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(spec["components"], "components")
    walk(spec["paths"], "paths")
    return places


_ANY = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})


def _admitted_types(spec: Spec, schema: Any) -> frozenset[str]:
    """The JSON types a schema can accept (roughly: enough to see a contradiction)."""
    schema = resolve(spec, schema)
    if "type" in schema:
        types = {schema["type"]} | ({"integer"} if schema["type"] == "number" else set())
        return frozenset(types | ({"null"} if schema.get("nullable") else set()))
    if "enum" in schema:
        return frozenset({"null"} if schema["enum"] == [None] else _ANY)
    branches = [*schema.get("oneOf", ()), *schema.get("anyOf", ())]
    if branches:
        return frozenset().union(*(_admitted_types(spec, b) for b in branches))
    return _ANY


def _contradicting_union_types(spec: Spec) -> list[str]:
    places = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            union = [*node.get("oneOf", ()), *node.get("anyOf", ())]
            if union and "type" in node:
                admitted = frozenset().union(*(_admitted_types(spec, b) for b in union))
                others = sorted(admitted - {node["type"]} - ({"null"} if node.get("nullable") else set()))
                if others:
                    places.append(f"{where}: type {node.pop('type')} (branches also admit {', '.join(others)})")
            for key, value in node.items():
                walk(value, f"{where}.{key}" if where else key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(spec["components"], "components")
    walk(spec["paths"], "paths")
    return places


def _is_structured(spec: Spec, schema: Mapping[str, Any]) -> bool:
    """Arrays, objects and unions: parameters that need Knock's bracket syntax."""
    target = resolve(spec, schema)
    return target.get("type") in ("array", "object") or "oneOf" in target or "anyOf" in target


def _bracket_query_style(spec: Spec) -> list[str]:
    places = []
    for (method, path), op in operations(spec).items():
        params = op.get("parameters", [])
        result: list[dict[str, Any]] = []
        groups: dict[str, dict[str, Any]] = {}
        changed = []
        for param in params:
            if param.get("in") != "query":
                result.append(param)
                continue
            name = param["name"]
            if "." in name:  # inserted_at.gte, query_options.cursor -> inserted_at[gte], query_options[cursor]
                prefix, _, sub = name.partition(".")
                group = groups.get(prefix)
                if group is None:
                    group = {
                        "name": prefix,
                        "in": "query",
                        "required": False,
                        "style": "deepObject",
                        "explode": True,
                        "description": f"(harness) the spec's {prefix}.* parameters, sent as {prefix}[...]",
                        "schema": {"type": "object", "additionalProperties": False, "properties": {}},
                    }
                    groups[prefix] = group
                    result.append(group)
                group["schema"]["properties"][sub] = param["schema"]
                group["required"] = group["required"] or bool(param.get("required"))
                changed.append(f"{name} -> {prefix}[{sub}]")
                continue
            param = dict(param)
            if name.endswith("[]"):  # objects[], recipients[]: the brackets are the wire form of an array
                param["name"] = name[:-2]
                changed.append(f"{name} -> {param['name']}")
            if "schema" in param and _is_structured(spec, param["schema"]):
                param["style"], param["explode"] = "deepObject", True
                changed.append(f"{param['name']}: bracket style")
            result.append(param)
        if changed:
            op["parameters"] = result
            places.append(f"{method} {path}: {'; '.join(changed)}")
    return places


_TOKEN_HOLDER = {
    "type": "object",
    "required": ["object_id", "collection"],
    "additionalProperties": False,
    "properties": {"object_id": {"type": "string"}, "collection": {"type": "string"}},
}

#: Query parameters the spec types as plain strings that Knock reads as JSON text:
#: name -> (the paths where that holds, or None for every path; the schema of the decoded value).
JSON_STRING_PARAMETERS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "trigger_data": (None, {"type": "object", "additionalProperties": True}),
    "access_token_object": (None, _TOKEN_HOLDER),
    "ms_teams_tenant_object": (None, _TOKEN_HOLDER),
    "data": ("/v1/users/{user_id}/guides/{channel_id}", {"type": "object", "additionalProperties": True}),
}


def _json_string_parameters(spec: Spec) -> list[str]:
    places = []
    for (method, path), op in operations(spec).items():
        for param in op.get("parameters", []):
            entry = JSON_STRING_PARAMETERS.get(param["name"])
            if param.get("in") != "query" or entry is None or entry[0] not in (None, path):
                continue
            assert param["schema"].get("type") == "string", (method, path, param["name"])
            del param["schema"]
            media: dict[str, Any] = {"schema": copy.deepcopy(entry[1])}
            if "example" in param:  # OpenAPI allows an example beside content only inside it
                media["example"] = json.loads(param.pop("example"))
            param["content"] = {"application/json": media}
            places.append(f"{method} {path}: {param['name']}")
    return places


ADJUSTMENTS: tuple[Adjustment, ...] = (
    Adjustment(
        "declare-path-parameters",
        "declare path parameters that a path template uses but its operation does not declare (as required strings)",
        "OpenAPI requires every template variable to be declared; without this openapi-spec-validator "
        "rejects the whole document. Only operations knockkit does not call are affected (the deprecated "
        "granular preference PUTs and the guide-message aliases with {message_id}).",
        _declare_path_parameters,
    ),
    Adjustment(
        "newer-parameters",
        "declare query parameters Knock added after the spec was published: "
        + "; ".join(
            f"{method.upper()} {path} {', '.join(p['name'] for p in params)}"
            for (method, path), (params, _) in NEWER_PARAMETERS.items()
        ),
        "the published spec predates them, so it would reject requests the API documents: "
        + "; ".join(why for _, why in NEWER_PARAMETERS.values()),
        _newer_parameters,
    ),
    Adjustment(
        "null-branches",
        "in unions that mean 'X or null' (oneOf/anyOf [X, {nullable: true}]), the untyped "
        "{nullable: true} branch is read as null only (enum: [null])",
        "a schema with no type accepts every value, so as written a oneOf rejects every valid non-null "
        "value (it matches both branches) and an anyOf accepts anything at all; null-only is what the "
        "branch is there for. This makes validation stricter, never looser.",
        _null_branches,
    ),
    Adjustment(
        "contradicting-union-types",
        "drop a schema's `type` when it stands beside a oneOf/anyOf whose branches admit other types "
        "(e.g. PreferenceSetWorkflowCategorySetting: type object beside oneOf [boolean, object]; "
        "CreateSchedulesRequest.actor: type object beside RecipientRequest, which may be a string)",
        "the sibling `type` makes those branches unreachable, so the spec would reject its own examples "
        "(the PreferenceSetRequest example sets a category to `false`; actors are documented as user ids). "
        "The branches still constrain every value.",
        _contradicting_union_types,
    ),
    Adjustment(
        "one-of-as-any-of",
        f"read these oneOf unions as anyOf: {', '.join(AMBIGUOUS_ONE_OF)}",
        "their branches overlap, so a strict oneOf rejects values Knock documents as valid: "
        + "; ".join(f"{name}: {why}" for name, (_, why) in AMBIGUOUS_ONE_OF.items()),
        _one_of_as_any_of,
    ),
    Adjustment(
        "bracket-query-style",
        "query parameters named with a dot (inserted_at.gte, query_options.cursor) become one nested "
        "parameter (inserted_at[gte]); names ending in [] (objects[], recipients[]) lose the brackets; "
        "every array, object or union query parameter is read in Knock's bracket syntax "
        "(k[]=v, k[sub]=v, k[0][sub]=v) by the harness's deepObject deserializer",
        "Knock (a Phoenix/Plug app) parses query strings in this nested-bracket form and the official "
        "SDKs send it; OpenAPI 3.0 cannot express it (its deepObject is one level deep, its form arrays "
        "are k=v&k=w, which Plug reads as a single value), so the spec spells it with dotted and [] names.",
        _bracket_query_style,
    ),
    Adjustment(
        "json-string-parameters",
        f"read {', '.join(JSON_STRING_PARAMETERS)} (guides only for data) as JSON text: content "
        "application/json, an object (access_token_object and ms_teams_tenant_object: exactly "
        "{object_id, collection}, as in the spec's examples)",
        "the spec types them as plain strings while its descriptions and examples say they are "
        "JSON-encoded objects; validating the decoded value is stricter than accepting any string",
        _json_string_parameters,
    ),
)


@functools.cache
def _adjusted() -> tuple[Spec, dict[str, tuple[str, ...]]]:
    spec = copy.deepcopy(raw_spec())
    places = {adj.key: tuple(adj.apply(spec)) for adj in ADJUSTMENTS}
    return spec, places


def adjusted_spec() -> Spec:
    return _adjusted()[0]


def adjusted_places() -> dict[str, tuple[str, ...]]:
    """For each adjustment, the places of the spec it changed."""
    return _adjusted()[1]


# --- Knock's query syntax --------------------------------------------------------------

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_MISSING: Any = object()


def split_key(key: str) -> tuple[str, list[str]]:
    """``"objects[0][id]"`` -> ``("objects", ["0", "id"])``; ``"a[]"`` -> ``("a", [""])``."""
    match = _KEY.match(key)
    if not match:
        return key, []
    return match.group(1), re.findall(r"\[([^\[\]]*)\]", match.group(2))


def _put(node: Any, segments: list[str], value: str, key: str) -> Any:
    if not segments:
        if node is not _MISSING:
            raise ValueError(f"{key} is given twice")
        return value
    head, rest = segments[0], segments[1:]
    if head == "":
        if rest:
            raise ValueError(f"{key}: k[][sub] is ambiguous (which element does sub belong to?)")
        node = [] if node is _MISSING else node
        if not isinstance(node, list):
            raise ValueError(f"{key}: mixes k[]= with k[sub]= or k=")
        node.append(value)
        return node
    node = {} if node is _MISSING else node
    if not isinstance(node, dict):
        raise ValueError(f"{key}: mixes k[sub]= with k[]= or k=")
    node[head] = _put(node.get(head, _MISSING), rest, value, key)
    return node


def _finish(node: Any) -> Any:
    if isinstance(node, list):
        return [_finish(item) for item in node]
    if isinstance(node, dict):
        node = {k: _finish(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):  # objects[0][id]=..&objects[1][id]=.. is a list
            indexes = sorted(int(k) for k in node)
            if indexes != list(range(len(indexes))) or any(k != str(int(k)) for k in node):
                raise ValueError(f"list indexes must be 0..n-1 in order of use, got {sorted(node)}")
            return [node[str(i)] for i in indexes]
    return node


def decode_parameter(pairs: Iterable[tuple[str, str]], name: str) -> Any:
    """The value of query parameter ``name`` as Knock reads it; KeyError when absent."""
    root = _MISSING
    for key, value in pairs:
        base, segments = split_key(key)
        if base == name:
            root = _put(root, segments, value, key)
    if root is _MISSING:
        raise KeyError(name)
    return _finish(root)


def _bracket_loads(explode: bool, name: str, schema_type: str, location: Mapping[str, Any]) -> Any:
    items = location.items(multi=True) if hasattr(location, "getlist") else location.items()  # type: ignore[call-arg]
    return decode_parameter(items, name)


# --- the validator ---------------------------------------------------------------------


@functools.cache
def openapi() -> OpenAPI:
    """openapi-core on the adjusted spec (the spec itself is validated when this is built)."""
    styles = StyleDeserializersFactory(
        oas30_write_schema_casters_factory,
        style_deserializers={**style_deserializers, "deepObject": _bracket_loads},
    )
    return OpenAPI.from_dict(adjusted_spec(), config=Config(style_deserializers_factory=styles))


class RecordedRequest(WerkzeugOpenAPIRequest):
    """A request the loopback server received, presented as if it had been sent to Knock."""

    @property
    def host_url(self) -> str:
        return SERVER + "/"


def find_operation(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The spec's path template that ``method path`` (decoded) matches, and its variables."""
    try:
        found = APICallPathFinder(openapi().spec).find(method.lower(), SERVER + path)
    except PathError:
        return None
    return found.path_result.pattern, dict(found.path_result.variables or {})


def _text(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # openapi-core's MediaTypeDeserializeError cannot print a str value
        return f"{type(exc).__name__}: {vars(exc)}"


def describe_error(exc: BaseException) -> str:
    """An openapi-core error with the schema errors that caused it."""
    parts = [_text(exc)]
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        for schema_error in getattr(cause, "schema_errors", ()) or ():
            where = "/".join(str(p) for p in getattr(schema_error, "absolute_path", ()))
            parts.append(f"  at {where or '(root)'}: {getattr(schema_error, 'message', schema_error)}")
            for sub in getattr(schema_error, "context", ()) or ():
                sub_where = "/".join(str(p) for p in sub.absolute_path)
                parts.append(f"    - {sub_where or '(root)'}: {sub.message}")
        cause = cause.__cause__ or cause.__context__
        if cause is not None and _text(cause) not in parts:
            parts.append(f"  caused by {_text(cause)}")
    return "\n".join(parts)


@dataclasses.dataclass
class Validation:
    method: str
    path: str  # as received (decoded)
    raw_uri: str
    template: str | None
    path_params: dict[str, str]
    errors: list[str]

    @property
    def operation(self) -> tuple[str, str] | None:
        return (self.method, self.template) if self.template else None

    def report(self) -> str:
        head = f"{self.method} {self.raw_uri}"
        if self.template:
            head += f"  (operation {self.method} {self.template})"
        return head + "".join(f"\n  {line}" for e in self.errors for line in e.splitlines())


def validate_request(request: Request) -> Validation:
    """Validate one recorded request against the adjusted spec: operation, path parameters,
    query (with Knock's bracket syntax), headers (security) and JSON body."""
    method = request.method.upper()
    raw_uri = str(request.environ.get("RAW_URI") or request.full_path)
    result = Validation(method, request.path, raw_uri, None, {}, [])
    found = find_operation(method, request.path)
    if found is None:
        result.errors.append(f"no operation in the spec matches {method} {request.path}")
        return result
    result.template, result.path_params = found
    unmarshalled = openapi().unmarshal_request(RecordedRequest(request))
    result.errors.extend(describe_error(e) for e in unmarshalled.errors)
    result.errors.extend(_extra_checks(method, result.template, request))
    return result


def _extra_checks(method: str, template: str, request: Request) -> list[str]:
    op = operations(adjusted_spec())[(method, template)]
    query_params = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
    errors = []
    seen: dict[str, int] = {}
    for key, _ in request.args.items(multi=True):
        base, segments = split_key(key)
        param = query_params.get(base)
        if param is None:
            declared = sorted(query_params)
            errors.append(f"query parameter {key!r}: the operation declares no {base!r} (declared: {declared})")
        elif segments and param.get("style") != "deepObject":
            errors.append(f"query parameter {key!r}: {base!r} is a scalar, sent in bracket form")
        elif not segments:
            seen[key] = seen.get(key, 0) + 1
    errors.extend(f"query parameter {key!r} is sent {n} times" for key, n in seen.items() if n > 1)
    body = request.get_data()
    if body and "requestBody" in op and request.mimetype == "application/json":
        schema = op["requestBody"]["content"].get("application/json", {}).get("schema")
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = _MISSING  # openapi-core reports it
        if schema is not None and decoded is not _MISSING:
            errors.extend(undeclared_keys(adjusted_spec(), schema, decoded, "body"))
    if body and "requestBody" not in op:
        errors.append(f"a body was sent ({len(body)} bytes) but the operation takes none")
    if body and request.mimetype != "application/json":
        errors.append(f"the body is sent as {request.mimetype or 'no content type'}, not application/json")
    return errors


def undeclared_keys(spec: Spec, schema: Any, value: Any, where: str) -> list[str]:
    """Keys of ``value`` that its schema does not declare, where the schema lists its
    properties and says nothing about others (OpenAPI would allow them; Knock ignores them,
    so a misspelt key in a request would go unnoticed). Free-form objects
    (additionalProperties given) and unions are not inspected."""
    schema = resolve(spec, schema)
    if any(k in schema for k in ("oneOf", "anyOf", "allOf")):
        return []
    if isinstance(value, dict) and schema.get("type") == "object":
        declared = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        problems: list[str] = []
        if declared and extra is None:
            problems.extend(
                f"{where}[{key!r}] is not a property the spec declares (declared: {sorted(declared)})"
                for key in value
                if key not in declared
            )
        for key, item in value.items():
            sub = declared.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                problems.extend(undeclared_keys(spec, sub, item, f"{where}[{key!r}]"))
        return problems
    if isinstance(value, list) and schema.get("type") == "array" and "items" in schema:
        items = schema["items"]
        return [p for i, item in enumerate(value) for p in undeclared_keys(spec, items, item, f"{where}[{i}]")]
    return []


# --- responses -------------------------------------------------------------------------

#: Operations whose success response has no example in the spec, with a stand-in that fits
#: the response schema (tests/contract/test_harness.py checks that it does).
STAND_IN_EXAMPLES: dict[tuple[str, str], Json] = {
    ("POST", "/v1/integrations/census/custom-destination"): {"id": "rpc-1", "result": {"status": "ok"}},
    ("POST", "/v1/integrations/hightouch/embedded-destination"): {"id": "rpc-1", "result": {"status": "ok"}},
}


def success_response(method: str, path: str) -> tuple[int, dict[str, Any] | None]:
    """The first 2xx response of an operation: (status, its JSON schema or None for no body)."""
    op = operations()[(method, path)]
    for status, response in op["responses"].items():
        if str(status).startswith("2"):
            content = response.get("content", {}).get("application/json")
            return int(status), (content["schema"] if content else None)
    raise AssertionError(f"{method} {path} has no success response")


def example_response(method: str, path: str) -> tuple[int, Json]:
    """The status and body to answer ``method path`` with: the spec's example (a stand-in
    from :data:`STAND_IN_EXAMPLES` when the spec gives none); body None for no content."""
    status, schema = success_response(method, path)
    if schema is None:
        return status, None
    if (method, path) in STAND_IN_EXAMPLES:
        return status, copy.deepcopy(STAND_IN_EXAMPLES[(method, path)])
    target = resolve(raw_spec(), schema)
    if "example" not in target:
        raise LookupError(f"{method} {path}: the spec has no example for its {status} response")
    return status, copy.deepcopy(target["example"])


def has_example(method: str, path: str) -> bool:
    _, schema = success_response(method, path)
    return schema is not None and "example" in resolve(raw_spec(), schema)


def response_shape(method: str, path: str) -> tuple[str, str | None]:
    """What the success response holds, from its schema: ("none", None), ("page", item
    schema name), ("list", item schema name) or ("object", schema name); names None when inline."""
    _, schema = success_response(method, path)
    if schema is None:
        return "none", None
    target = resolve(raw_spec(), schema)
    if target.get("type") == "array":
        return "list", schema_name(target.get("items", {}))
    for key in ("entries", "items"):
        prop = target.get("properties", {}).get(key)
        if prop and resolve(raw_spec(), prop).get("type") == "array":
            return "page", schema_name(resolve(raw_spec(), prop).get("items", {}))
    return "object", schema_name(schema)


def to_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
