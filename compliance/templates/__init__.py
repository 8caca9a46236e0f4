"""Fill-in report templates (填报模板) for one unit, generated from the rulebook: YAML with Chinese comments, Excel."""
