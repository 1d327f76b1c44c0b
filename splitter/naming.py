"""Names a person would give a profile, from what sets its members apart from the rest of the fleet."""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from typing import TYPE_CHECKING

from .exactjson import canonical

if TYPE_CHECKING:
    from .itemsets import Fleet

SCRIPT = re.compile(r"\.(sh|bash|py)$")
WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def profile_slug(text: str) -> str:
    """Lower-case ASCII words joined by '_', as profile names are written."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40].strip("_")


def _tags(config: dict) -> set[str]:
    """Short strings the container lists at its top level, such as the words in `features`."""
    found = set()
    for value in config.values():
        if type(value) is list and value and all(type(v) is str and 0 < len(v) <= 32 for v in value):
            found.update(v for v in value if WORD.match(v))  # words, not ids, addresses or options
    return found


def _script_stems(values: list[str]) -> dict[str, str]:
    """Script file names without the prefix all of them share: phoenix_lxc_vllm.sh -> vllm."""
    stems = {value: SCRIPT.sub("", os.path.basename(value)) for value in values}
    if len(stems) == 1:  # nothing to compare with: its last word
        return {value: re.split(r"[_-]", stem)[-1] or stem for value, stem in stems.items()}
    prefix = os.path.commonprefix(list(stems.values()))
    prefix = prefix[: prefix.rfind("_") + 1] if "_" in prefix else ""
    return {value: stem[len(prefix):] or stem for value, stem in stems.items()}


class _Vocabulary:
    """What the whole fleet says, counted once: tags, name words, top-level keys, script stems."""

    def __init__(self, fleet: Fleet, containers: dict):
        configs = list(containers.values())
        self.tags = [_tags(config) for config in configs]
        self.words = [set(re.findall(r"[a-z][a-z0-9]*", config["name"].lower()))
                      if type(config.get("name")) is str else set() for config in configs]
        self.keys = [set(config) for config in configs]
        self.tag_count = Counter(tag for tags in self.tags for tag in tags)
        self.word_count = Counter(word for words in self.words for word in words)
        self.key_count = Counter(key for keys in self.keys for key in keys)
        self.stems = _script_stems(sorted({text.decode()[1:-1] for _, text in fleet.keys
                                           if text.startswith(b'"') and SCRIPT.search(text.decode()[1:-1])}))


def _tokens(fleet: Fleet, items: list[int], members: list[int], vocabulary: _Vocabulary) -> list[tuple]:
    """(specificity, kind, token) for each word that could name the profile; higher is better."""
    options = []
    if members:
        for tag in set.intersection(*(vocabulary.tags[m] for m in members)):
            options.append((len(members) / vocabulary.tag_count[tag], 3, tag))
        for word in set.intersection(*(vocabulary.words[m] for m in members)):
            options.append((len(members) / vocabulary.word_count[word], 2.5, word))
    for item in items:
        value = fleet.value(item)
        if type(value) is str and value in vocabulary.stems:
            inside = sum(1 for member in members if item in fleet.rows[member])
            options.append((inside / fleet.count[item], 2, vocabulary.stems[value]))
    for key in sorted({fleet.path(item)[0] for item in items}):
        inside = sum(1 for member in members if key in vocabulary.keys[member])
        options.append((inside / vocabulary.key_count[key], 1, key))
    return sorted(options, key=lambda option: (-option[0], -option[1], option[2]))


def name_profiles(fleet: Fleet, chosen: list[tuple[list[int], list[int]]], containers: dict,
                  taken: set[str] = frozenset()) -> list[str]:
    """One unique name per profile; the same profiles get the same names whatever the input order."""
    proposals = []
    vocabulary = _Vocabulary(fleet, containers)
    for items, members in chosen:
        tokens = _tokens(fleet, items, members, vocabulary)
        words = [word for word in dict.fromkeys(profile_slug(token) for _, _, token in tokens) if word] or ["shared"]
        # a second word, to tell apart two profiles that want the same first one: never a bare key name
        seconds = [word for word in dict.fromkeys(profile_slug(token) for _, kind, token in tokens if kind >= 2)
                   if word and word != words[0]]
        digest = hashlib.blake2b(canonical([[fleet.keys[i][0], fleet.keys[i][1].decode()] for i in items]),
                                 digest_size=2).hexdigest()
        proposals.append((words[0], seconds, digest, len(members)))
    names: list[str | None] = [None] * len(chosen)
    taken = set(taken)
    # the profile with more members (then the smaller digest) keeps the plain word on a clash
    for index in sorted(range(len(chosen)), key=lambda i: (-proposals[i][3], proposals[i][2])):
        first, seconds, digest, _ = proposals[index]
        name = first
        if name in taken:
            name = next((f"{first}_{word}" for word in seconds if f"{first}_{word}" not in taken),
                        f"{first}_{digest}")
        taken.add(name)
        names[index] = name
    return names  # type: ignore[return-value]
