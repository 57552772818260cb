"""What every part of the application stands on: settings, log redaction, metrics and storage health."""
