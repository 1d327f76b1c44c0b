"""Hypothesis strategies for random monoliths written in random but consistent styles."""

from __future__ import annotations

import json
import re

from hypothesis import strategies as st

from splitter.tree.names import encode_id, fold

# keys that look like the tool's own markers, JSON pointer syntax, or nothing at all
TRICKY_KEYS = ["$profiles", "profiles", "$unset", "$$unset", "$", "$$", "$schema", "a.b", "a/b", "~0", "~1",
               "", " ", "é", "名前", "name", "cores", "lxc_configs", "__proto__", "0"]
LEXEMES = ["0.50", "1E3", "1e-7", "-0", "-0.0", "1.0", "0.10", "2.5E+10", "1e400",
           "123456789012345678901234567890", "-98765432109876543210"]

keys = st.one_of(st.sampled_from(TRICKY_KEYS), st.text(max_size=6))


class Lexeme:
    """A number to be written exactly as this text."""

    def __init__(self, text: str):
        self.text = text


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(LEXEMES).map(Lexeme),
    st.text(max_size=8),
    st.sampled_from(["1", "true", "null", "1.0", "\u2028", "\x00\x1f", "😀", "\\u00e9"]),
)

values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=3)),
    max_leaves=8,
)


@st.composite
def containers(draw) -> dict:
    """Containers that share much of one pool, so that base and profiles have work to do."""
    pool = draw(st.dictionaries(keys, values, max_size=8))
    count = draw(st.integers(min_value=0, max_value=6))
    ids = draw(st.lists(st.one_of(st.sampled_from(["900", "901", "910", "101", "a_b", "../x", ".", "7"]),
                                  st.text(min_size=1, max_size=4)), min_size=count, max_size=count,
                         # ids whose file names differ only in case are refused (macOS, Windows): never two
                         unique_by=lambda ctid: fold(encode_id(ctid))))
    result = {}
    for ctid in ids:
        config = {}
        for key, value in pool.items():
            choice = draw(st.integers(min_value=0, max_value=5))
            if choice == 0:
                continue  # this container lacks the key
            config[key] = draw(values) if choice == 1 else value
        for key, value in draw(st.dictionaries(keys, values, max_size=2)).items():
            config[key] = value
        if draw(st.booleans()):
            items = list(config.items())
            draw(st.randoms()).shuffle(items)  # key order differs between containers
            config = dict(items)
        result[ctid] = config
    return result


STYLES = [
    {"indent": 4}, {"indent": 2}, {"indent": "\t"}, {"indent": 0}, {"indent": 3},
    {"indent": None}, {"indent": None, "separators": (",", ":")},
    {"indent": 3, "separators": (",", " : ")},  # Perl JSON::XS ->pretty
    {"indent": None, "separators": (", ", " : ")},
    {"indent": 2, "jackson": True},  # Java Jackson's default pretty printer
]

# how writers escape beyond what JSON requires, applied to every string of the text (keys too):
# PHP "\/", Go's <>& and line separators, jq's DEL, Go before 1.22 \u0008 \u000c, upper-case hex, .NET's set
ESCAPES = ["slash", "html", "del", "long_bf", "upper", "net"]
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_PIECE = re.compile(r"\\u[0-9a-fA-F]{4}|\\.|.", re.S)


def _escaped(piece: str, escapes: set) -> str:
    written = _escaped_as(piece, escapes)
    upper = "upper" in escapes or "net" in escapes
    return "\\u" + written[2:].upper() if upper and written.startswith("\\u") else written


def _escaped_as(piece: str, escapes: set) -> str:
    if piece in ("\\b", "\\f") and "long_bf" in escapes:
        return "\\u0008" if piece == "\\b" else "\\u000c"
    if piece == '\\"' and "net" in escapes:
        return "\\u0022"
    if piece == "/" and "slash" in escapes:
        return "\\/"
    if piece in "'+<>&`" and "net" in escapes:
        return f"\\u{ord(piece):04X}"
    if piece in "<>&\u2028\u2029" and "html" in escapes:
        return f"\\u{ord(piece):04x}"
    if piece == "\x7f" and "del" in escapes:
        return "\\u007f"
    return piece


def _escape_strings(text: str, escapes: set) -> str:
    return _STRING.sub(lambda string: '"' + "".join(_escaped(piece, escapes) for piece in
                                                    _PIECE.findall(string.group()[1:-1])) + '"', text)


def _jackson(value, ensure_ascii: bool, level: int = 0) -> str:
    """Jackson's DefaultPrettyPrinter, written apart from splitter's own writer: "key" : value, lists
    [ a, b ] on the line, objects inside them indented from the enclosing object, empty ones { } and [ ]."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        pad = "\n" + "  " * (level + 1)
        return "{" + ",".join(pad + json.dumps(k, ensure_ascii=ensure_ascii) + " : " +
                              _jackson(v, ensure_ascii, level + 1) for k, v in value.items()) + "\n" + "  " * level + "}"
    if isinstance(value, list):
        return "[ " + ", ".join(_jackson(v, ensure_ascii, level) for v in value) + " ]" if value else "[ ]"
    return json.dumps(value, ensure_ascii=ensure_ascii)


@st.composite
def monoliths(draw) -> bytes:
    """A monolith as bytes, written in one consistent style: Python's json, Perl's, Jackson's, with the
    escaping conventions of PHP, Go, jq or .NET."""
    globals_ = draw(st.dictionaries(keys.filter(lambda k: k != "lxc_configs"), values, max_size=3))
    position = draw(st.integers(min_value=0, max_value=len(globals_)))
    items = list(globals_.items())
    items.insert(position, ("lxc_configs", draw(containers())))
    return draw(written(dict(items)))


@st.composite
def written(draw, doc) -> bytes:
    """A document as bytes, written by Python's json module in one consistent style, with its Lexemes as written."""
    style = dict(draw(st.sampled_from(STYLES)))
    style["ensure_ascii"] = draw(st.booleans())
    lexemes: list[str] = []

    def placeholder(value):
        if isinstance(value, Lexeme):
            lexemes.append(value.text)
            return f"\x00lexeme{len(lexemes) - 1}\x00"
        if isinstance(value, dict):
            return {k: placeholder(v) for k, v in value.items()}
        if isinstance(value, list):
            return [placeholder(v) for v in value]
        return value

    document = placeholder(doc)
    if style.pop("jackson", False):
        text = _jackson(document, style["ensure_ascii"])
    else:
        text = json.dumps(document, **style)
    for index, lexeme in enumerate(lexemes):
        text = text.replace(f'"\\u0000lexeme{index}\\u0000"', lexeme)
    escapes = set(draw(st.lists(st.sampled_from(ESCAPES), max_size=3)))
    if "net" in escapes and not style["ensure_ascii"]:
        escapes.discard("net")  # .NET escapes every non-ASCII character too
    text = _escape_strings(text, escapes) if escapes else text
    trailer = draw(st.sampled_from(["", "\n", "\n\n", " "]))
    leader = draw(st.sampled_from(["", "", "\n", " "]))
    return (leader + text + trailer).encode()


@st.composite
def list_monoliths(draw) -> tuple[bytes, str, str]:
    """A monolith whose entries are a list identified by an id key, as (bytes, pointer, id key).

    The ids are random strings and integers (unique as text), in random order; the list stands at the top
    level, under one key beside other keys, or one level deeper.
    """
    entries = list(draw(containers()).values())
    id_key = draw(st.sampled_from(["vmid", "id", "name", "$id", "a/b"]))
    ids = draw(st.lists(st.one_of(st.integers(min_value=-(2**40), max_value=2**40),
                                  st.text(min_size=1, max_size=5).filter(lambda text: text != "")),
                        min_size=len(entries), max_size=len(entries), unique_by=str))
    listed = []
    for entry, ident in zip(entries, ids):
        entry = dict(entry)
        entry.pop(id_key, None)
        at = draw(st.integers(min_value=0, max_value=len(entry)))
        items = list(entry.items())
        items.insert(at, (id_key, ident))  # the id anywhere among the entry's keys
        listed.append(dict(items))
    where = draw(st.sampled_from(["", "/vms", "/data/items"]))
    if where == "":
        doc = listed
    else:
        globals_ = draw(st.dictionaries(keys.filter(lambda k: k not in ("vms", "data")), values, max_size=3))
        items = list(globals_.items())
        holder = ("vms", listed) if where == "/vms" else ("data", {"total": len(listed), "items": listed})
        items.insert(draw(st.integers(min_value=0, max_value=len(items))), holder)
        doc = dict(items)
    return draw(written(doc)), where, id_key
