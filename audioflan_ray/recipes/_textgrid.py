"""Praat TextGrid files (the long "ooTextFile" format and the short one), read into tiers of labelled spans.

Both formats hold the same values in the same order; the long one names each (``xmin = 0``, ``item [1]:``), the
short one writes the values alone. So the file is read as its stream of values (quoted strings, numbers, the
``<exists>`` flag) after dropping names and ``[n]`` indices: ``"ooTextFile" "TextGrid" xmin xmax <exists> size``,
then per tier ``class name xmin xmax count`` followed by ``count`` intervals ``xmin xmax text`` (IntervalTier) or
points ``time mark`` (TextTier). Strings double their quotes (``""``). Encodings: UTF-8 (with or without BOM) and
UTF-16 with BOM, as Praat writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: a quoted string (may span lines), an ``[n]`` index (skipped), the flag, or a number
_TOKEN = re.compile(r'"((?:[^"]|"")*)"|\[\s*\d*\s*\]|(<exists>|<absent>)|(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)')


@dataclass(frozen=True)
class Tier:
    name: str
    kind: str  # "IntervalTier" or "TextTier"
    spans: list[tuple[float, float, str]]  # (start, end, text); points have start == end


def decode(data: bytes) -> str:
    """TextGrid bytes as text: UTF-16 when it has a UTF-16 BOM, else UTF-8 (BOM dropped)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def _tokens(text: str) -> list[str | float]:
    """The values of the file in order: strings as str, numbers as float, the flag as its text."""
    out: list[str | float] = []
    for m in _TOKEN.finditer(text):
        string, flag, number = m.groups()
        if string is not None:
            out.append(string.replace('""', '"'))
        elif flag is not None:
            out.append(flag)
        elif number is not None:
            out.append(float(number))
    return out


def parse(text: str) -> list[Tier]:
    """The tiers of a TextGrid (either format); ValueError when the text is not one."""
    toks = _tokens(text)
    pos = 0

    def take(kind: type) -> str | float:
        nonlocal pos
        if pos >= len(toks):
            raise ValueError("TextGrid ends early")
        value = toks[pos]
        pos += 1
        if kind is float and not isinstance(value, float):
            raise ValueError(f"TextGrid: expected a number, found {value!r}")
        if kind is str and not isinstance(value, str):
            raise ValueError(f"TextGrid: expected a string, found {value!r}")
        return value

    if toks[:2] != ["ooTextFile", "TextGrid"]:
        raise ValueError('not a TextGrid: it does not start with File type = "ooTextFile", Object class = "TextGrid"')
    pos = 2
    take(float)
    take(float)
    if take(str) != "<exists>":
        return []
    tiers = []
    for _ in range(int(take(float))):
        kind, name = str(take(str)), str(take(str))
        if kind not in ("IntervalTier", "TextTier"):
            raise ValueError(f"TextGrid: unknown tier class {kind!r}")
        take(float)
        take(float)
        spans = []
        for _ in range(int(take(float))):
            if kind == "IntervalTier":
                start, end, label = float(take(float)), float(take(float)), str(take(str))
            else:
                start = end = float(take(float))
                label = str(take(str))
            spans.append((start, end, label))
        tiers.append(Tier(name, kind, spans))
    return tiers
