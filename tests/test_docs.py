"""The docs pages keep their promises: runnable examples run, and tables match the code.

1. Every ```python block that follows a line ``<!-- runnable -->`` in ``docs/*.md`` is executed
   against a :class:`knockkit.testing.FakeKnock`. Each block runs on its own, in a fresh
   namespace and against a fake reset to the same starting point, so that a reader can copy
   any one block. The namespace holds:

   - ``client`` (a client of the fake), ``fake`` and ``knockkit``;
   - the resource modules (``users``, ``workflows``, ``objects``, ..., ``slack``, ``ms_teams``,
     ``webhooks``) and ``KnockInstance``;
   - the placeholders the pages write in capitals for ids that come from a Knock dashboard
     (``APNS_CHANNEL_ID``, ``EMAIL_CHANNEL_ID``, ``IN_APP_CHANNEL_ID``, ...) and ``apns_token``.

   The fake starts as the environment the pages assume (see :func:`seed`): the users of the
   examples, the tenant ``jurassic-park``, the workflows ``dinosaurs-loose`` and
   ``daily-digest``, and one run of ``dinosaurs-loose`` (so that there are messages and feed
   items to read). ``KNOCK_SIGNING_KEY`` is set to a throwaway RSA key. A block that raises
   fails the test, with the page and line in the traceback.

2. In the pages that document a resource family, every table row naming a function gives
   its signature exactly as the code has it, and the Knock endpoint that ``api-map.tsv``
   maps the function to.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import knockkit
from knockkit import _settings
from knockkit.testing import FakeKnock, Step

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API_MAP = Path(__file__).parent / "data" / "api-map.tsv"

MARKER = "<!-- runnable -->"

# Placeholders for ids from the Knock dashboard, as the pages write them.
APNS_CHANNEL_ID = "0b2e8a3c-6f1d-4e52-9a7b-3c4d5e6f7a81"
PLACEHOLDERS: dict[str, Any] = {
    "APNS_CHANNEL_ID": APNS_CHANNEL_ID,
    "EMAIL_CHANNEL_ID": FakeKnock.channel_id("email"),
    "IN_APP_CHANNEL_ID": FakeKnock.channel_id("in_app_feed"),
    "SLACK_CHANNEL_ID": "7c1e0042-5ef2-411a-a43b-e541acb139ed",
    "TEAMS_CHANNEL_ID": "4f8d2b1a-9c3e-4a6f-8b7d-1e2f3a4b5c6d",
    "apns_token": "apns-device-token-jhammond",
}

# The people of the examples, identified before each block.
CAST = {
    "jhammond": {"name": "John Hammond", "email": "jhammond@ingen.net"},
    "jhammond-old": {"name": "John Hammond", "phone_number": "+15555550100"},  # merged in users.md
    "agrant": {"name": "Alan Grant", "email": "agrant@ingen.net"},
    "imalcolm": {"name": "Ian Malcolm", "email": "imalcolm@chaos.theory"},
    "esattler": {"name": "Ellie Sattler", "email": "esattler@ingen.net"},
    "dnedry": {"name": "Dennis Nedry", "email": "dnedry@ingen.net"},
}

# Pages whose tables are checked against the code, and the module of their unqualified names
# (a table row may also qualify a name: `feeds.list_items(...)`).
FAMILY_PAGES: dict[str, str | None] = {
    "objects.md": "knockkit.objects",
    "tenants.md": "knockkit.tenants",
    "messages.md": "knockkit.messages",
    "schedules.md": "knockkit.schedules",
    "bulk-operations.md": "knockkit.bulk_operations",
    "audiences.md": "knockkit.audiences",
    "feeds-and-guides.md": None,
    "workflow-recipient-runs.md": "knockkit.workflow_recipient_runs",
    "channels-and-integrations.md": None,
    "webhooks.md": "knockkit.webhooks",
}
# Where a qualified name in a table lives.
QUALIFIED = {
    "feeds": "knockkit.feeds",
    "guides": "knockkit.guides",
    "channels": "knockkit.channels",
    "integrations": "knockkit.integrations",
    "ms_teams": "knockkit.providers.ms_teams",
    "slack": "knockkit.providers.slack",
}


# --- finding the blocks ---------------------------------------------------------------------


@attrs.frozen
class Block:
    page: Path
    line: int  # the line of the first line of code (1-based)
    source: str

    @property
    def id(self) -> str:
        return f"{self.page.name}:{self.line}"


def runnable_blocks(page: Path) -> list[Block]:
    """The ```python blocks of a page that follow a ``<!-- runnable -->`` line."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks = []
    for index, line in enumerate(lines):
        if line.strip() != MARKER:
            continue
        start = index + 1
        while start < len(lines) and not lines[start].strip():
            start += 1
        if start == len(lines) or lines[start].strip() != "```python":
            raise AssertionError(f"{page.name}:{index + 1}: {MARKER} must be followed by a ```python block")
        end = start + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end == len(lines):
            raise AssertionError(f"{page.name}:{start + 1}: the ```python block is never closed")
        blocks.append(Block(page, start + 2, "\n".join(lines[start + 1 : end]) + "\n"))
    return blocks


ALL_BLOCKS = [block for page in sorted(DOCS.glob("*.md")) for block in runnable_blocks(page)]


# --- running them ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docs_fake() -> Iterator[FakeKnock]:
    with FakeKnock() as fake:
        yield fake


@pytest.fixture(scope="module")
def signing_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def seed(fake: FakeKnock, client: knockkit.Client) -> None:
    """The Knock environment the pages' examples assume."""
    from knockkit import tenants, users, workflows

    steps = ["in_app_feed", "email", "delay", Step("push", channel_id=APNS_CHANNEL_ID)]
    fake.add_workflow("dinosaurs-loose", steps=steps, categories=["safety"])
    fake.add_workflow("daily-digest", steps=["email"], categories=["digest"])
    for user_id, properties in CAST.items():
        users.identify(client, user_id, properties)
    tenants.set(client, "jurassic-park", {"name": "Jurassic Park"})
    workflows.trigger(
        client, "dinosaurs-loose", recipients=["jhammond", "agrant"], actor="dnedry", tenant="jurassic-park",
        data={"type": "trex", "priority": 1}, cancellation_key="alert-0",
    )  # fmt: skip


def namespace(fake: FakeKnock, client: knockkit.Client) -> dict[str, Any]:
    from knockkit import (
        audiences,
        bulk_operations,
        channels,
        feeds,
        guides,
        integrations,
        messages,
        objects,
        schedules,
        tenants,
        users,
        webhooks,
        workflow_recipient_runs,
        workflows,
    )
    from knockkit.providers import ms_teams, slack

    modules = [
        audiences, bulk_operations, channels, feeds, guides, integrations, messages, objects, schedules,
        tenants, users, webhooks, workflow_recipient_runs, workflows, ms_teams, slack,
    ]  # fmt: skip
    names: dict[str, Any] = {m.__name__.rsplit(".", 1)[-1]: m for m in modules}
    names.update(PLACEHOLDERS)
    names.update(__name__="__docs__", client=client, fake=fake, knockkit=knockkit, KnockInstance=knockkit.KnockInstance)
    return names


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=[b.id for b in ALL_BLOCKS])
def test_runnable_block(block: Block, docs_fake: FakeKnock, signing_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    docs_fake.reset()
    client = docs_fake.client()
    seed(docs_fake, client)
    monkeypatch.setenv("KNOCK_SIGNING_KEY", signing_key)
    # A block may declare instances and configure them; leave no settings behind.
    monkeypatch.setattr(_settings, "_SETTINGS", dict(_settings._SETTINGS))
    # Padding keeps the page's line numbers in tracebacks.
    code = compile("\n" * (block.line - 1) + block.source, str(block.page), "exec")
    exec(code, namespace(docs_fake, client))


def test_the_pages_have_runnable_blocks() -> None:
    pages = {block.page.name for block in ALL_BLOCKS}
    expected = {
        "getting-started.md", "users.md", "workflows.md", "objects.md", "tenants.md", "messages.md",
        "schedules.md", "bulk-operations.md", "feeds-and-guides.md", "workflow-recipient-runs.md",
        "channels-and-integrations.md", "webhooks.md",
    }  # fmt: skip
    assert expected <= pages, f"pages without a runnable block: {sorted(expected - pages)}"


# --- the tables -----------------------------------------------------------------------------

_ROW = re.compile(r"^\|\s*`(?P<call>[\w.]+\(.*?\))`\s*\|(?P<endpoint>.*)\|\s*$")
_ENDPOINT = re.compile(r"`(GET|POST|PUT|DELETE|PATCH) (/v1/[^`\s]*)`")


def render_signature(fn: Any) -> str:
    """``name(a, b, *, c=None, d="default")``, as the pages write signatures."""
    parts: list[str] = []
    star = False
    for param in inspect.signature(fn).parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            parts.append(f"*{param.name}")
            star = True
            continue
        if param.kind is param.VAR_KEYWORD:
            parts.append(f"**{param.name}")
            continue
        if param.kind is param.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if param.default is param.empty:
            parts.append(param.name)
        elif isinstance(param.default, str):
            parts.append(f'{param.name}="{param.default}"')
        else:
            parts.append(f"{param.name}={param.default!r}")
    return f"{fn.__name__}({', '.join(parts)})"


def api_map() -> dict[str, tuple[str, str]]:
    """knockkit function (``objects.list``) -> (method, path) of the operation it calls."""
    mapped = {}
    with API_MAP.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["method"] != "-" and row["knockkit"] != "-":
                mapped[row["knockkit"]] = (row["method"], row["path"])
    return mapped


def table_rows(page: Path) -> Iterator[tuple[int, str, str]]:
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        match = _ROW.match(line.strip())
        if match:
            yield number, match["call"], match["endpoint"]


@pytest.mark.parametrize("page_name", sorted(FAMILY_PAGES))
def test_tables_match_the_code(page_name: str) -> None:
    page = DOCS / page_name
    default_module = FAMILY_PAGES[page_name]
    mapped = api_map()
    rows = list(table_rows(page))
    assert rows, f"{page_name} has no table of functions"
    problems = []
    documented: dict[str, set[str]] = {default_module: set()} if default_module else {}
    for number, call, endpoint in rows:
        name = call.split("(", 1)[0]
        if "." in name:
            prefix, name = name.rsplit(".", 1)
            module_name = QUALIFIED.get(prefix, f"knockkit.{prefix}")
            written = f"{name}{call[len(prefix) + 1 + len(name) :]}"
        else:
            if default_module is None:
                problems.append(f"{page_name}:{number}: qualify {name} with its module")
                continue
            module_name, written = default_module, call
        module: types.ModuleType = importlib.import_module(module_name)
        documented.setdefault(module_name, set()).add(name)
        fn = getattr(module, name, None)
        if not callable(fn):
            problems.append(f"{page_name}:{number}: {module_name}.{name} does not exist")
            continue
        actual = render_signature(fn)
        if written != actual:
            problems.append(f"{page_name}:{number}: the table says {written}, the code has {actual}")
        short = module_name.removeprefix("knockkit.").removeprefix("providers.")
        operation = mapped.get(f"{short}.{name}") or mapped.get(f"providers.{short}.{name}")
        if operation is not None:
            found = _ENDPOINT.findall(endpoint)
            if found != [operation]:
                calls = f"{operation[0]} {operation[1]}"
                problems.append(f"{page_name}:{number}: {name} calls `{calls}`, the table says {endpoint.strip()}")
    for module_name, names in documented.items():
        module = importlib.import_module(module_name)
        public = {n for n in module.__all__ if inspect.isfunction(getattr(module, n))}
        if public - names:
            problems.append(f"{page_name}: no table row for {module_name}.{', '.join(sorted(public - names))}")
    assert not problems, "\n".join(problems)


def test_the_teams_section_matches_the_code() -> None:
    """providers.md is shared with the Slack section; check the Teams rows (ms_teams.*)."""
    from knockkit.providers import ms_teams

    mapped = api_map()
    rows = [(n, c, e) for n, c, e in table_rows(DOCS / "providers.md") if c.startswith("ms_teams.")]
    documented = {c.split("(", 1)[0].split(".", 1)[1] for _, c, _ in rows}
    assert documented == {"check_auth", "list_teams", "list_channels", "revoke_access", "ms_teams_tenant_object"}
    for number, call, endpoint in rows:
        name = call.split("(", 1)[0].split(".", 1)[1]
        assert call == f"ms_teams.{render_signature(getattr(ms_teams, name))}", f"providers.md:{number}"
        operation = mapped.get(f"providers.ms_teams.{name}")
        if operation is not None:
            assert _ENDPOINT.findall(endpoint) == [operation], f"providers.md:{number}"


# --- the migration table ----------------------------------------------------------------------

# In migrating.md's knockkit column, the names a reader calls that are not module attributes.
_RECEIVERS: dict[str, Any] = {
    "knockkit": knockkit,
    "client": knockkit.Client,
    "aclient": knockkit.AsyncClient,
    "MyKnock": knockkit.KnockInstance,
    "slack": "knockkit.providers.slack",
    "ms_teams": "knockkit.providers.ms_teams",
}
_DOTTED = re.compile(r"\b([A-Za-z_]\w*(?:\.\w+)+)\b")


def _resolve(dotted: str) -> object:
    head, *rest = dotted.split(".")
    if head not in _RECEIVERS and not hasattr(knockkit, head):
        raise LookupError(head)
    start = _RECEIVERS.get(head) or getattr(knockkit, head)
    obj: object = importlib.import_module(start) if isinstance(start, str) else start
    for part in rest:
        obj = getattr(obj, part)
    return obj


def test_every_knockkit_name_in_the_migration_table_exists() -> None:
    """Each dotted name in the knockkit column (``users.identify``, ``knockkit.paginate``, ...) resolves."""
    rows = [line for line in (DOCS / "migrating.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    problems, resolved = [], 0
    for line in rows:
        knockkit_column = line.strip().strip("|").split(" | ")[1]
        for span in re.findall(r"`([^`]+)`", knockkit_column):
            for dotted in _DOTTED.findall(span):
                try:
                    _resolve(dotted)
                    resolved += 1
                except (LookupError, AttributeError) as exc:
                    problems.append(f"migrating.md: `{dotted}` in {span!r} does not exist ({exc!r})")
    assert not problems, "\n".join(problems)
    assert len(rows) >= 50 and resolved >= 80, (len(rows), resolved)
