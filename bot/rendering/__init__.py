"""What a person sees: plain-text alerts and summaries, charts, and checks on text that came from outside."""
