"""The business mailbox: its connection (tokens sealed), and inbound mail made leads or history.

`connection` connects, pauses and disconnects a workspace's mailbox; `inbound` records one
received email once; `outbound` turns an approved email draft into what the mailbox sends.
"""
