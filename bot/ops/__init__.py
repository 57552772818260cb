"""Running the service: the runner and its scheduled jobs, pluggable front-ends, the health endpoint and
retention."""
