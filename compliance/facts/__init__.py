"""Facts a rulebook declares (facts.yaml) and the report format generated from them."""
