"""Workspaces (tenants, one per Slack team) and their settings.

Who the owners are, the timezone, holidays and switches every other domain reads."""
