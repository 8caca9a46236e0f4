"""The rule engine: rulebook checks compiled to a durable_rules ruleset, verdicts collected per fact."""
