"""The operations: split, verify, update, diff, check, explain, schemas and git sources; they return results, never print."""
