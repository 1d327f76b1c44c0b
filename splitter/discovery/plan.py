"""A discovery plan: the base and the profiles, each with its members and why."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Plan:
    """What goes where: the base, the profiles in the order they are applied, and who uses which."""

    base: dict
    profiles: dict[str, dict] = field(default_factory=dict)
    uses: dict[str, list[str]] = field(default_factory=dict)  # container id -> profile names
    roles: dict[str, str] = field(default_factory=dict)  # profile -> its role in words
    reasons: dict[str, str] = field(default_factory=dict)  # profile -> why a member uses it
    left_out: dict[str, list[str]] = field(default_factory=dict)  # profile -> holders of its role left out
    # role groups that got no profile: {"role": its holders in words, "members": ids, "reason": why not}
    unprofiled: list[dict] = field(default_factory=list)
