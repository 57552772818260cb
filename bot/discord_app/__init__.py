"""The Discord front-end: the `/riskwire` commands, alert embeds and buttons, on discord.py 2.7."""
