"""The procedure's vocabularies and the small rules every domain shares.

Enums, money, input validation, local dates and business days: pure, no database."""
