"""Delivery: the outbox and the notifiers that post alerts to the console, Slack and Discord."""
