"""Sanctions and export-control lists: their entries, the parties a story names, and matching the two.

Pure like the rest of `rules/`: list files come in as bytes and go out as `ListedEntry` rows; the
database and the downloads live elsewhere (storage/sanctions.py, bot/usecases/sanctions.py).
"""
