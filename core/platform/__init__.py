"""Infrastructure every domain stands on: settings, the database, migrations, the audit trail.

No business rules live here; domains import it, it imports no domain."""
