"""The Slack front-end: a Bolt AsyncApp over the shared service layer (see bot/slack_app/app.py)."""
