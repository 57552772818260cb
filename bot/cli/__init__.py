"""The `riskwire` command line: argument parsing, output and exit codes; calls the use cases."""
