"""`python -m compliance` runs the command line."""

from compliance.cli import entrypoint

entrypoint()
