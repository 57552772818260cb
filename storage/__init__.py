"""What we remember: one SQLite database through sqlite-utils, with migrations and small repositories."""
