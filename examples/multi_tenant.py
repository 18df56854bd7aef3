"""Two Knock environments in one app: two declared instances, each configured from its own
environment variables (the seed scenario "Configuration", for a multi-region app).

    python examples/multi_tenant.py

EUKnock and USKnock are declared once, like Elixir's `use Knock, otp_app: :my_app`, and
configured with knockkit.configure(..., api_key=knockkit.env("KNOCK_EU_API_KEY")), which reads
the variable each time a client is made, never at import.

Without KNOCK_API_KEY it starts two embedded fake Knocks on 127.0.0.1 (knockkit.testing), one
per region, and points KNOCK_EU_API_KEY, KNOCK_EU_BASE_URL, KNOCK_US_API_KEY and
KNOCK_US_BASE_URL at them, in this process only.

With KNOCK_API_KEY set it uses the Knock API: KNOCK_EU_API_KEY and KNOCK_US_API_KEY (and the
optional KNOCK_EU_BASE_URL, KNOCK_US_BASE_URL) name each region's environment; a region whose
variable is unset falls back to KNOCK_API_KEY, as settings resolution does. It identifies one
user in each region.
"""

from __future__ import annotations

import contextlib
import os

from _target import embedded_fake, real_knock, say

import knockkit
from knockkit import AuthenticationError, KnockInstance, NotFoundError, users


class EUKnock(KnockInstance, app="myapp"):
    pass


class USKnock(KnockInstance, app="myapp"):
    pass


knockkit.configure("myapp", EUKnock, api_key=knockkit.env("KNOCK_EU_API_KEY"),
                   base_url=knockkit.env("KNOCK_EU_BASE_URL"))  # fmt: skip
knockkit.configure("myapp", USKnock, api_key=knockkit.env("KNOCK_US_API_KEY"),
                   base_url=knockkit.env("KNOCK_US_BASE_URL"))  # fmt: skip

REGIONS = {"EU": EUKnock, "US": USKnock}


def key_source(region: str) -> str:
    var = f"KNOCK_{region}_API_KEY"
    return var if os.environ.get(var) else f"KNOCK_API_KEY ({var} is not set)"


def run(on_fakes: bool) -> None:
    say("\n1. A client per region, settings resolved now")
    eu, us = EUKnock.client(), USKnock.client()
    for region, client in (("EU", eu), ("US", us)):
        say(f"   {region}Knock.client(): {client.base_url}, key from {key_source(region)}")

    say("\n2. Identify a user in each region")
    users.identify(eu, "jhammond", {"name": "John Hammond", "email": "jhammond@ingen.net", "region": "eu"})
    users.identify(us, "agrant", {"name": "Alan Grant", "email": "agrant@ingen.net", "region": "us"})
    say("   jhammond in the EU environment, agrant in the US one")

    say("\n3. Which users each client sees")
    for region, client, user_id in (("EU", eu, "agrant"), ("US", us, "jhammond")):
        try:
            user = users.get(client, user_id)
        except NotFoundError:
            say(f"   {region}: users.get({user_id!r}) -> NotFoundError: that user lives in the other region")
        else:
            say(f"   {region}: users.get({user_id!r}) -> found {user.name} (both regions share an environment)")

    say("\n4. Per call variations are values too")
    fast_eu = eu.evolve(timeout=5.0, max_retries=0)
    say(f"   eu.evolve(timeout=5.0, max_retries=0): timeout {fast_eu.timeout} s; eu keeps {eu.timeout} s")
    if on_fakes:
        try:
            users.get(eu.evolve(base_url=us.base_url), "agrant")
        except AuthenticationError as exc:
            say(f"   the EU key sent to the US fake: AuthenticationError ({exc.status})")


def main() -> None:
    if real_knock():
        say("Running against the Knock API (KNOCK_API_KEY is set).")
        run(on_fakes=False)
        return
    with contextlib.ExitStack() as stack:
        for region in REGIONS:
            fake = stack.enter_context(embedded_fake(region, api_key=f"sk_test_{region.lower()}_fake"))
            os.environ[f"KNOCK_{region}_API_KEY"] = fake.api_key  # read by knockkit.env() at client() time
            os.environ[f"KNOCK_{region}_BASE_URL"] = fake.url
        say("Set KNOCK_EU_* and KNOCK_US_* in this process to the fakes' keys and URLs; nothing leaves 127.0.0.1.")
        run(on_fakes=True)


if __name__ == "__main__":
    main()
