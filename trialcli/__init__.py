"""trialcli: clinical trials, readable in a terminal and checked against their sources."""

__version__ = "0.1.0"
