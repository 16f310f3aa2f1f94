"""Adapters to the outside world (Gmail, QuickBooks, outgoing webhooks) behind core's ports.

`registry` says which adapter serves a workspace; the interfaces live in `core.ports`."""
