"""Compliance scorecards for government work plans: declarative rulebooks scored by durable_rules."""

__version__ = "0.1.0"
