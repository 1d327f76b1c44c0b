"""Exact JSON: parsing and writing that keep types, number lexemes, key order and the writer's style."""
