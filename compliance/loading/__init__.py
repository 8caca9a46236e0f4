"""Reading files into validated models: rulebooks, the unit registry, unit reports."""
