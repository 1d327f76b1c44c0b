"""Options more than one command takes: the output formats and the choice of collection."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer


class Format(str, Enum):
    text = "text"
    json = "json"


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


Selector = Annotated[Optional[str], typer.Option(
    "--collection", metavar="FOLDER|POINTER",
    help="The collection of the tree to use, by folder (vms) or pointer (/vms); default: lxc, or the tree's only one.")]
