"""Where articles come from: fetching, parsing and normalising news feeds."""
