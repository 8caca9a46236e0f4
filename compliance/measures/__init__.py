"""The measure vocabulary: each kind (count, sum, rate, days, each, deadline, change, value) is one module
that compiles a declaration from measures.yaml into a plan, once per rulebook."""
