"""Profile discovery: items, roles, candidate profiles, names, and synthetic fleets to test them on."""
