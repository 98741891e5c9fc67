from trialcli.cli import app

app(prog_name="trialcli")
