"""What Slack and Microsoft Teams would list, as a test declares it on a FakeKnock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from knockkit.testing.stores import JsonDict, State

if TYPE_CHECKING:
    from knockkit.testing._upkeep import Upkeep

__all__ = ["FAKE_SLACK_TEAM_ID", "ProviderDeclarations"]

#: The Slack workspace (team) id of declared Slack channels that do not name one.
FAKE_SLACK_TEAM_ID = "T0FAKEKNOCK"


class ProviderDeclarations:
    """``add_slack_channels``, ``add_ms_teams_teams`` and ``add_ms_teams_channels`` of ``FakeKnock``."""

    _state: State
    _upkeep: Upkeep

    def add_slack_channels(self, channel_id: str, channels: Iterable[Mapping[str, Any]]) -> None:
        """Declare the Slack channels the workspace connected to Knock channel ``channel_id``
        has, as ``providers.slack.list_channels`` lists them (once the token holder has
        ``{"token": {"access_token": ...}}`` channel data for that channel).

        Each is Slack's conversation: ``{"id": "C01", "name": "general"}`` plus, optionally,
        ``is_private``, ``is_im``, ``is_mpim``, ``is_archived`` (honoured by the ``types`` and
        ``exclude_archived`` options) and ``context_team_id`` (default ``FAKE_SLACK_TEAM_ID``).
        A channel with an id already declared replaces it."""
        defaults = {"is_private": False, "is_im": False, "context_team_id": FAKE_SLACK_TEAM_ID}
        self._declare(self._state.slack_channels, channel_id, channel_id, channels, ("id", "name"), defaults)

    def add_ms_teams_teams(self, channel_id: str, teams: Iterable[Mapping[str, Any]]) -> None:
        """Declare the Microsoft Teams teams (``{"id": ..., "displayName": ...}``, Graph's
        names) that ``providers.ms_teams.list_teams`` lists for Knock channel ``channel_id``
        (once the holder has ``{"ms_teams_tenant_id": ...}`` channel data for it)."""
        self._declare(self._state.ms_teams_teams, channel_id, channel_id, teams, ("id", "displayName"), {})

    def add_ms_teams_channels(self, channel_id: str, team_id: str, channels: Iterable[Mapping[str, Any]]) -> None:
        """Declare the channels of one Teams team (``{"id": ..., "displayName": ...}``; also
        ``isArchived``, default false, and ``membershipType``, default ``"standard"``). As on
        Knock, archived and ``"private"`` channels are left out of the list."""
        if not isinstance(team_id, str) or not team_id:
            raise ValueError("team_id must be a non-empty string")
        defaults = {"isArchived": False, "membershipType": "standard"}
        where = (channel_id, team_id)
        self._declare(self._state.ms_teams_channels, channel_id, where, channels, ("id", "displayName"), defaults)

    def _declare(
        self, store: dict[Any, list[JsonDict]], channel_id: str, where: Any, items: Iterable[Mapping[str, Any]],
        required: tuple[str, ...], defaults: Mapping[str, Any],
    ) -> None:  # fmt: skip
        if not isinstance(channel_id, str) or not channel_id:
            raise ValueError("channel_id (the Knock channel's id) must be a non-empty string")
        with self._state.lock:
            self._state.declare_provider_items(store, where, items, required, defaults)
            self._upkeep.changed()
