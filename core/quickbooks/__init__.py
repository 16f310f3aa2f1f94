"""QuickBooks Online: a workspace's connection (tokens sealed) and pushing a customer to it.

`connection` keeps the realm and tokens (refreshed under a row lock, the rotated refresh
token stored with its use); `pushes` is the owner-confirmed claim, call, record of one
customer, so a retry never makes a second one."""
