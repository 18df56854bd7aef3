"""Chat providers whose tokens Knock holds: Slack and Microsoft Teams."""

from knockkit.providers import ms_teams, slack

__all__ = ["ms_teams", "slack"]
