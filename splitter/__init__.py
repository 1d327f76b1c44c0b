"""splitter: split a monolithic LXC configuration into a layered conf.d tree, and prove the round trip."""

__version__ = "0.1.0"

FACE = ("read_tree", "merge", "document", "entry", "verify", "diff")  # splitter.api, loaded on first use


def __getattr__(name: str):
    # PEP 562: `from splitter import merge` loads the library then, so that the command line, which imports
    # this package first, does not pay for what it does not use.
    if name in FACE:
        from splitter import api

        return getattr(api, name)
    raise AttributeError(f"module 'splitter' has no attribute {name!r}")


__all__ = [*FACE, "__version__"]
