"""splitter: split a monolithic LXC configuration into a layered conf.d tree, and prove the round trip."""

__version__ = "0.1.0"
