"""Schema migrations: modules named NNNN_description.py, each with `up(db)`, applied in name order."""
