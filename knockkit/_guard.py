"""Where requests may go, process-wide: a check the pytest plugin sets for the length of a test.

``_http.request`` calls ``check(base_url)`` before anything is sent, for both clients, when
it is set; ``check`` raises to refuse. Nothing else sets it (see ``knockkit.testing.plugin``).
"""

from __future__ import annotations

from collections.abc import Callable

check: Callable[[str], None] | None = None
