"""Contacts and companies: one complete record per customer, never duplicated, never deleted.

Input checking, phone and email points, matching, merge and history, search and lookups."""
