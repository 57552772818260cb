"""What an article is about: the company directory, topic rules and the matching engine.

Pure: no I/O beyond reading the package's own data files, no chat platforms, no database.
"""
