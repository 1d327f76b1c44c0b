"""Putting layers together: the merge rules, key order restored, a whole tree assembled into its monolith."""
