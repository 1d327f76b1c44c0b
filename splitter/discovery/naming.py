"""Names a person would give a profile: the role's word, and on a clash a second meaningful word."""

from __future__ import annotations

import re
from collections import Counter

from splitter.discovery.roles import Role, slug


_WORD = re.compile(r"[a-z][a-z0-9]*")


def name_words(configs: list[dict]):
    """A function of a group of containers (indexes into configs): the words all their names share, rarest
    in the fleet first (`granite` for granite-embedding and granite-3.3-8b)."""
    words = [set(_WORD.findall(config["name"].lower())) if type(config.get("name")) is str else set()
             for config in configs]
    count = Counter(word for group in words for word in group)

    def shared(members: list[int]) -> list[str]:
        if not members:
            return []
        common = set.intersection(*(words[m] for m in members))
        return sorted(common, key=lambda word: (count[word], word))
    return shared


def role_word(roles: list[Role], members, covered=()) -> str | None:
    """The word a block's profile is named by (issue 19: "a role word where the members share one, else the
    block's own key"): the word of the narrowest `features`-like list role every member holds (fewest
    holders, then the word), or None. roles: find_roles() of the fleet; members: indexes into its rows;
    covered: sets of indexes, the members of the profiles every member already uses: a role held by exactly
    one of them has its profile already, and its word says nothing of the new one."""
    wanted = set(members)
    words = [(len(role.members), role.value, role.name) for role in roles
             if role.kind == "list" and wanted <= set(role.members) and set(role.members) not in covered]
    return min(words)[2] if words else None


def block_words(roles: list[Role], members, key: str, ids: list[str], covered=(),
                names: list[str] = ()) -> tuple[str, list[str]]:
    """(first word, second words) for unique_names that name a block's profile, in `split` and in `tidy`
    alike: the members' role word, else (or where the key begins with that word) the block's key; on a
    clash the key, then the member ids. key: the block's key; ids: the members' ids. Where every role word
    of the members is `covered` (see role_word: tidy, that knows the profiles they use), the word all their
    names share comes before the key (names: name_words() of them; `nginx` for Nginx-Phoenix and its copy)."""
    word = role_word(roles, members, covered)
    if word and slug(key).startswith(f"{word}_"):  # `vllm_engine_config` says `vllm` already
        word = None
    elif word is None and covered and role_word(roles, members) and names:
        word = names[0]
    return (word or key, ([key] if word else []) + ids)


def unique_names(proposals: list[tuple[str, list[str]]], taken: set[str] = frozenset()) -> list[str]:
    """One name per profile, unique by construction, never a counter or a hash.

    proposals: (first word, second words in order of preference) per profile,
    in the order of priority (earlier profiles keep the plain word on a clash).
    A clash adds the first second word that makes the name unique; if none
    does, the words are joined until one does (the proposals' second words end
    with words that differ between profiles, such as member ids).
    """
    names: list[str] = []
    used = set(taken)
    for first, seconds in proposals:
        first = slug(first) or "shared"
        candidates = [first] + [f"{first}_{slug(word)}" for word in seconds if slug(word) and slug(word) != first]
        name = next((c for c in candidates if c not in used), None)
        if name is None:
            joined = first
            for word in seconds:
                joined = f"{joined}_{slug(word)}"
                if joined not in used:
                    name = joined
                    break
        if name is None:  # only when two proposals are word for word the same
            raise ValueError(f"no unique name for profile {first!r}")
        used.add(name)
        names.append(name)
    return names
