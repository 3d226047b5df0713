"""The fixer model: a small GPT trained on corrupted programs to propose one repaired line."""
