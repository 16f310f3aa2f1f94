"""The Gmail adapter: core's `Mailbox` port on the Gmail API (google-api-python-client).

`service` builds the client from the discovery document the library ships, `messages` turns
Gmail's message resources into core's `InboundEmail` and an `OutboundEmail` into MIME.
"""
