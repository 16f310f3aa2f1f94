"""Reports: the weekly pipeline, the monthly win/loss, the morning lists and the dashboard.

Each is a fixed number of set-based statements; `wording` renders the procedure's texts."""
