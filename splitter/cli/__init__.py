"""The command line, the only part that knows a terminal: the Typer app, its commands, usage errors and output."""
