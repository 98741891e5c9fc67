"""`python -m trialcli`."""

from trialcli.cli import app

# Guarded: worker processes started with "spawn" import this module again.
if __name__ == "__main__":
    app(prog_name="trialcli")
