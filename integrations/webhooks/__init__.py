"""Outgoing webhooks: hand-off events POSTed, signed, to the URLs owners registered.

`delivery` is the outbox handler; the events and subscriptions are core's
(`core.leads.handoffs`); docs/webhooks.md is the receiver's side.
"""
