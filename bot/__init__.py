"""The Riskwire application: CLI, settings, pipeline, delivery, service layer and chat front-ends."""

__version__ = "0.1.0"
