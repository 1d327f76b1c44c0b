"""JSON paths for messages, written as jsonschema writes them: $.lxc_configs['910'].cores."""

from __future__ import annotations

import re

_PLAIN = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")


def json_path(parts) -> str:
    text = "$"
    for part in parts:
        if type(part) is int:
            text += f"[{part}]"
        elif _PLAIN.match(part):
            text += "." + part
        else:
            text += "['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return text
