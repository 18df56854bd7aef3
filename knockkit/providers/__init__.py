"""Chat providers whose tokens Knock holds: Slack and Microsoft Teams."""

from knockkit.providers import slack

__all__ = ["slack"]
