"""Text from data made safe to print: control characters escaped for terminals, markup escaped for markdown."""

from __future__ import annotations

import re
from typing import Any

# C0 controls, DEL and C1 controls (a terminal acts on them: ESC starts a sequence, CSI U+009B is ESC [), the
# Unicode line and paragraph separators, the bidirectional overrides and isolates that reorder what is shown
# ("Trojan Source", CVE-2021-42574), and lone surrogates (a file name byte that is not UTF-8, as os.fsdecode
# gives it back, see PEP 383)
# (a pattern string: re compiles it on first use and keeps it in its cache, not at every start of the command line)
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x80:
        return f"\\{code:03o}"  # git's quotePath style: ESC is \033
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\{code - 0xDC00:03o}"  # the undecodable byte itself, in octal as git writes it
    return f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every character a terminal would act on written as an escape, so that it shows and does not act.

    Takes any str (ids, file names, keys, values, messages); returns one line of printable text. Tab, newline
    and carriage return become `\\t` `\\n` `\\r`; other ASCII controls and DEL 3-digit octal (`\\033`); a
    byte of a file name that is not UTF-8 (a lone surrogate U+DC80..U+DCFF, PEP 383) that byte in octal
    (`caf\\351`), as git's core.quotePath writes names; C1 controls, U+2028/U+2029 and bidirectional
    overrides `\\u009b`. A backslash already in the text is left as it is. Raises nothing.
    """
    return re.sub(_UNSAFE, _escape, text) if re.search(_UNSAFE, text) else text


def visible_lines(lines: list[str]) -> str:
    """Report lines joined with newlines, each made visible first: no line of data can start another."""
    return "\n".join(visible(line) for line in lines)


def code(text: str) -> str:
    """A markdown code span that holds `text` literally (made visible first): its backtick fence is one longer
    than the longest run of backticks inside, padded with a space where the text starts or ends with one
    (CommonMark 0.31, "Code spans"). Markup and HTML inside a code span are not interpreted."""
    text = visible(text)
    if not text:
        return "` `"  # "``" would be a run of two backticks, not an empty span
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    stripped = text.startswith(" ") and text.endswith(" ") and text.strip(" ")  # CommonMark strips one space each
    pad = " " if text.startswith("`") or text.endswith("`") or stripped else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fence(lines: list[str], info: str = "") -> list[str]:
    """A fenced code block holding `lines` (each made visible) literally: the fence is longer than any run of
    backticks inside, so no line of data can close it (CommonMark 0.31, "Fenced code blocks")."""
    shown = [visible(line) for line in lines]
    longest = max((len(run) for line in shown for run in re.findall(r"`+", line)), default=0)
    mark = "`" * max(3, longest + 1)
    return [mark + info, *shown, mark]


_MARKDOWN = re.compile(r"([\\`*_\[\]~])")  # emphasis, code, links and images, strikethrough (| is cell()'s)
_BLOCK_START = re.compile(r"^([#>+=-]|\d+[.)])")  # a heading, quote, list item or underline where a line starts


def text(value: str) -> str:
    """Plain markdown text that shows `value` as it is, anywhere in a line: made visible, the punctuation that
    starts inline markup backslash-escaped (and what would start a block at the start of a line), `<` and `&` as
    HTML entities (CommonMark 0.31, "Backslash escapes", "Entity references"), so that data adds no link,
    emphasis, code, table cell, heading or HTML tag."""
    escaped = _MARKDOWN.sub(r"\\\1", visible(value)).replace("&", "&amp;").replace("<", "&lt;")
    indent = len(escaped) - len(escaped.lstrip(" "))
    if indent:  # spaces that start a line would indent a code block or a list: as entities they are text
        return "&#32;" * indent + escaped[indent:]
    return _BLOCK_START.sub(lambda match: match.group()[:-1] + "\\" + match.group()[-1], escaped)


def sentence(value: str) -> str:
    """Markdown text that splitter wrote with code spans around data (a profile's role: the containers whose
    `features` include `vllm`): made visible, and outside its code spans `<` and `&` as HTML entities, so
    that data in it adds no HTML."""
    parts = re.split(r"(`[^`]*`)", visible(value))
    return "".join(part if part.startswith("`") else part.replace("&", "&amp;").replace("<", "&lt;")
                   for part in parts)


def cell(value: str) -> str:
    """A GFM table cell's content with every `|` escaped: the table splits on `|` even inside code spans
    (GitHub Flavored Markdown spec, "Tables")."""
    return value.replace("|", "\\|")


def html_text(value: str) -> str:
    """Text inside an HTML block such as `<summary>` (made visible, then &, <, >, quotes as entities)."""
    import html  # only the markdown reports use it: every command line imports this module

    return html.escape(visible(value))


_JSON_UNSAFE = {bytes([0x7F]): b"\\u007f", **{chr(code).encode(): f"\\u{code:04x}".encode()
                                              for code in (*range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F),
                                                           *range(0x2066, 0x206A))}}


def json_report(doc: Any) -> bytes:
    """A report as JSON bytes: dumps' output with the controls JSON allows raw in strings (DEL, C1, U+2028,
    U+2029, bidirectional overrides) written as \\u escapes too, and a text holding a lone surrogate (a name
    that is not UTF-8) written as `visible` gives it. Takes plain JSON values; raises nothing new."""
    from splitter.errors import BadInput
    from splitter.exact.write import dumps

    try:
        data = dumps(doc)
    except BadInput:
        data = dumps(_surrogates_visible(doc))
    if not data.isascii() or b"\x7f" in data:  # only then can one of them be there: the common report is ASCII
        for raw, escaped in _JSON_UNSAFE.items():
            data = data.replace(raw, escaped)
    return data


def _surrogates_visible(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub("[\ud800-\udfff]", _escape, value)
    if isinstance(value, dict):
        return {_surrogates_visible(key): _surrogates_visible(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_surrogates_visible(item) for item in value]
    return value
