"""Reports: each operation's result as text for people, JSON for tools and markdown for pull requests."""
