"""Follow-up drafts and the owner-review gate (hard stop 1).

Composing in the procedure's tones, review, approval, the at-most-once send, unconfirmed sends.
"""
