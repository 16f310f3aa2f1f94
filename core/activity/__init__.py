"""The interaction history: every call, email, note and visit, follow-ups and reminders.

`service` writes and reads interactions; `flows` settles who a logged touchpoint is about."""
