"""Local fake servers for tests: every one binds 127.0.0.1 on a free port and never reaches out."""
