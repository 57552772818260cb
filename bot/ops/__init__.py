"""Running the service: settings, the scheduler and runner, jobs, health and metrics, retention, log
redaction.
"""
