"""Repairing a mistake: candidates from the rules, the logic edits, the edit grammar and the mutation
families, each verified in the sandbox before it is shown, ranked when several pass."""
