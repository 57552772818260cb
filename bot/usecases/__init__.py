"""What people ask of Riskwire, shared by the command line, Slack and Discord: watch lists, history,
summaries, digests, feeds, exports, backtests, explanations.
"""
