"""The virtlint engine: positioned documents, the capability model, rules, CLI and formatters."""
