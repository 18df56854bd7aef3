"""Multi-tenancy both ways: Knock tenants inside one environment, and several Knock
environments (regions) in one app (the seed scenario "Configuration").

    python examples/multi_tenant.py

Part 1, Knock tenants: two customers of your app ("jurassic-park", "isla-sorna") are Knock
tenants with their own default preferences; a user's preferences for one tenant are the
preference set named after it, and a trigger with tenant= scopes the run and its messages to
that tenant.

Part 2, regions: two declared instances, each configured from its own environment variables.

EUKnock and USKnock are declared once, like Elixir's `use Knock, otp_app: :my_app`, and
configured with knockkit.configure(..., api_key=knockkit.env("KNOCK_EU_API_KEY")), which reads
the variable each time a client is made, never at import.

Without KNOCK_API_KEY it starts two embedded fake Knocks on 127.0.0.1 (knockkit.testing), one
per region, and points KNOCK_EU_API_KEY, KNOCK_EU_BASE_URL, KNOCK_US_API_KEY and
KNOCK_US_BASE_URL at them, in this process only.

With KNOCK_API_KEY set it uses the Knock API: KNOCK_EU_API_KEY and KNOCK_US_API_KEY (and the
optional KNOCK_EU_BASE_URL, KNOCK_US_BASE_URL) name each region's environment; a region whose
variable is unset falls back to KNOCK_API_KEY, as settings resolution does. It identifies one
user in each region. Part 1 then runs in the EU environment and needs the workflow named by
KNOCK_WORKFLOW_KEY (default "dinosaurs-loose") there.
"""

from __future__ import annotations

import contextlib
import os

import knockkit
from knockkit import AuthenticationError, KnockInstance, NotFoundError, messages, tenants, users, workflows
from knockkit.testing import FakeKnock


class EUKnock(KnockInstance, app="myapp"):
    pass


class USKnock(KnockInstance, app="myapp"):
    pass


knockkit.configure("myapp", EUKnock, api_key=knockkit.env("KNOCK_EU_API_KEY"),
                   base_url=knockkit.env("KNOCK_EU_BASE_URL"))  # fmt: skip
knockkit.configure("myapp", USKnock, api_key=knockkit.env("KNOCK_US_API_KEY"),
                   base_url=knockkit.env("KNOCK_US_BASE_URL"))  # fmt: skip

REGIONS = {"EU": EUKnock, "US": USKnock}
WORKFLOW = os.environ.get("KNOCK_WORKFLOW_KEY") or "dinosaurs-loose"


def knock_tenants(client: knockkit.Client, *, on_fake: bool) -> None:
    """Part 1: two Knock tenants in one environment."""
    print("\n1. Two customers of the app are Knock tenants, each with its default preferences")
    tenants.set(client, "jurassic-park", {"name": "Jurassic Park"},
                settings={"preference_set": {"channel_types": {"email": True}}})  # fmt: skip
    tenants.set(client, "isla-sorna", {"name": "Isla Sorna"},
                settings={"preference_set": {"channel_types": {"email": False}}})  # fmt: skip
    for tenant in knockkit.paginate(tenants.list, client, page_size=50):
        print(f"   tenant {tenant.id}: {tenant.name}")

    print("\n2. A user's preferences for one tenant: the preference set named after it")
    users.identify(client, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net"})
    users.set_preferences(client, "jhammond", {"channel_types": {"in_app_feed": False}}, preference_set="isla-sorna")
    prefs = users.get_preferences(client, "jhammond", preference_set="isla-sorna")
    print(f"   jhammond in isla-sorna: channel_types {prefs.channel_types}")

    print("\n3. Trigger for each tenant: tenant= scopes the run and its messages")
    for tenant_id in ("jurassic-park", "isla-sorna"):
        run = workflows.trigger(client, WORKFLOW, recipients=["jhammond"], tenant=tenant_id, data={"type": "trex"})
        print(f"   {tenant_id}: workflow run {run.workflow_run_id}")
    for tenant_id in ("jurassic-park", "isla-sorna"):
        page = messages.list(client, tenant=tenant_id)
        kinds = sorted({m.channel.type for m in page if m.channel and m.channel.type}) if len(page) else []
        print(f"   messages.list(tenant={tenant_id!r}): {len(page)} message(s) {kinds}")
    if on_fake:  # Knock sends asynchronously: on Knock the lists fill a moment later
        print("   (isla-sorna's default turns email off and jhammond turned in-app off there: nothing is sent)")


def key_source(region: str) -> str:
    var = f"KNOCK_{region}_API_KEY"
    return var if os.environ.get(var) else f"KNOCK_API_KEY ({var} is not set)"


def run(on_fakes: bool) -> None:
    knock_tenants(EUKnock.client(), on_fake=on_fakes)

    print("\n4. Regions: a client per declared instance, settings resolved now")
    eu, us = EUKnock.client(), USKnock.client()
    for region, client in (("EU", eu), ("US", us)):
        print(f"   {region}Knock.client(): {client.base_url}, key from {key_source(region)}")

    print("\n5. Identify a user in each region")
    users.identify(eu, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net", "region": "eu"})
    users.identify(us, "agrant", {"name": "Alan Grant", "email": "agrant@ingen.net", "region": "us"})
    print("   jhammond in the EU environment, agrant in the US one")

    print("\n6. Which users each client sees")
    for region, client, user_id in (("EU", eu, "agrant"), ("US", us, "jhammond")):
        try:
            user = users.get(client, user_id)
        except NotFoundError:
            print(f"   {region}: users.get({user_id!r}) -> NotFoundError: that user lives in the other region")
        else:
            print(f"   {region}: users.get({user_id!r}) -> found {user.name} (both regions share an environment)")

    print("\n7. Per call variations are values too")
    fast_eu = eu.evolve(timeout=5.0, max_retries=0)
    print(f"   eu.evolve(timeout=5.0, max_retries=0): timeout {fast_eu.timeout} s; eu keeps {eu.timeout} s")
    if on_fakes:
        try:
            users.get(eu.evolve(base_url=us.base_url), "agrant")
        except AuthenticationError as exc:
            print(f"   the EU key sent to the US fake: AuthenticationError ({exc.status})")


def main() -> None:
    if os.environ.get("KNOCK_API_KEY"):
        print("Running against the Knock API (KNOCK_API_KEY is set).")
        run(on_fakes=False)
        return
    with contextlib.ExitStack() as stack:
        for region in REGIONS:
            # No key: a stateful fake Knock per region on 127.0.0.1 (knockkit.testing).
            fake = stack.enter_context(FakeKnock(api_key=f"sk_test_{region.lower()}_fake"))
            print(f"KNOCK_API_KEY is not set: running against an embedded fake Knock ({region}) at {fake.url}.")
            fake.add_workflow(WORKFLOW, ["in_app_feed", "email"])
            os.environ[f"KNOCK_{region}_API_KEY"] = fake.api_key  # read by knockkit.env() at client() time
            os.environ[f"KNOCK_{region}_BASE_URL"] = fake.url
        print("Set KNOCK_EU_* and KNOCK_US_* in this process to the fakes' keys and URLs; nothing leaves 127.0.0.1.")
        run(on_fakes=True)


if __name__ == "__main__":
    main()
