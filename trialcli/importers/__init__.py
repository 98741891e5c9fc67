"""Turning other formats (registry records) into trialcli studies."""
