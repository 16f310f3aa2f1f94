"""The CRM itself: models, operations, queries and rules, with no Slack code (docs/architecture.md).

One package per domain; `platform` is infrastructure, `ports` the interfaces adapters implement."""
