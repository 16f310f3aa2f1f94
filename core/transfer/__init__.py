"""Moving a business's history in and out: the JSON export document and contacts CSV.

Fields are declared once (`fields`) and drive export, import and comparison."""
