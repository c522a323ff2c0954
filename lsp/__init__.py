"""The virtlint language server (see issue: Language server)."""
