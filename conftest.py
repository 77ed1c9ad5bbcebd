"""Loads the contract suite's pytest plugin for every test run from this repository."""

pytest_plugins = ["contracts.plugin"]
