"""Clips of YouTube-sourced corpora (AudioSet, AudioCaps, MusicCaps, VGGSound) in the layouts downloaders write.

These corpora ship index files only; every user fetches the clips with some downloader, so the audio folder comes in
one of several naming schemes, sometimes mixed in one folder:

- ``<ytid>_<start>.<ext>`` with the start as an integer (``-0Gj8-vB1q4_30``; VGGSound copies zero-pad it,
  ``-0Gj8-vB1q4_000030``; aac-datasets' AudioCaps) or with decimals (``-0Gj8-vB1q4_30.000``);
- ``<ytid>_<start>_<end>.<ext>``: integers, decimals (``30.0_40.0``, ``30.000_40.000``) or the AudioSet CSV's
  ``30.000`` with the point removed, i.e. milliseconds (``30000_40000``, as in the strong labels' segment ids);
- ``<ytid>.<ext>`` (one clip per video) and AudioSet's ``Y<ytid>.<ext>`` (PANNs' downloader, WavCaps' AudioSet_SL),
  also with a start and end (``Y<ytid>_30.000_40.000.wav``, the DCASE/DESED naming);
- any of ``.wav .flac .mp3 .m4a .opus .ogg``, in any sub-folder (per split, per class).

A YouTube id is 11 characters of ``[A-Za-z0-9_-]``, so a name splits unambiguously even when the id holds ``_`` or
starts with ``Y``. ``ClipFolder`` lists the folder once (one recursive listing, parallel on ``s3://``) and answers
every lookup from that listing: a scan never sends one request per clip. A clip the index names but the folder lacks
is expected (videos disappear from YouTube) and comes back as ``Absent(path, "clip missing")``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from audioflan_ray.recipes.base import Absent
from audioflan_ray.storage import Root

#: Audio extensions downloaders write, in the order preferred when one clip exists in several formats (the decoders
#: read WAV/FLAC/MP3/Ogg; an M4A copy is still found, and its decode failure is reported downstream).
AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".opus", ".ogg", ".m4a")
_ID = r"[A-Za-z0-9_-]{11}"
_NUM = r"\d+(?:\.\d+)?"
_TAIL = rf"(?:_(?P<start>{_NUM})(?:_(?P<end>{_NUM}))?)?"
#: A bare id, and AudioSet's "Y"-prefixed id; "Yabc..." may be either, so both are tried.
_NAMES = (re.compile(rf"(?P<id>{_ID}){_TAIL}"), re.compile(rf"Y(?P<id>{_ID}){_TAIL}"))
_TOL = 1e-3  # seconds; the CSVs write starts with 3 decimals


@dataclass(frozen=True)
class ClipName:
    """What a file name says: the video id and, where written, the start and end as they appear (strings)."""

    ytid: str
    start: str | None = None
    end: str | None = None


def parse_clip_name(filename: str) -> list[ClipName]:
    """Every reading of a clip's file name (usually one; ``[]`` for a name that is no clip of a YouTube video)."""
    stem, ext = posixpath.splitext(posixpath.basename(filename))
    if ext.lower() not in AUDIO_EXTENSIONS:
        return []
    return [ClipName(m["id"], m["start"], m["end"]) for m in (p.fullmatch(stem) for p in _NAMES) if m]


def _same_time(token: str, seconds: float) -> bool:
    """Whether a number written in a file name is ``seconds``: as seconds (``30``, ``000030``, ``30.000``) or, for a
    bare integer, as milliseconds (``30000``: the CSV's ``30.000`` with the point dropped)."""
    if abs(float(token) - seconds) < _TOL:
        return True
    return token.isdigit() and abs(int(token) - seconds * 1000) < _TOL * 1000 and seconds * 1000 >= 1


def time_token(seconds: float) -> str:
    """A start or end as names and ids write it: an integer where whole (``30``), else 3 decimals (``12.500``)."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}"


class ClipFolder:
    """The clips below one folder of a corpus root, listed once; ``find`` and ``locate`` never touch storage."""

    def __init__(self, root: Root, folder: str = "", files: dict[str, int] | None = None):
        self.folder = folder.strip("/")
        self.files = root.find(self.folder) if files is None else files
        self._by_id: dict[str, list[tuple[ClipName, str]]] = {}
        for path in self.files:
            for name in parse_clip_name(path):
                self._by_id.setdefault(name.ytid, []).append((name, path))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_id.values())

    def find(self, ytid: str, start: float | None = None, end: float | None = None) -> str | None:
        """The path (relative to the root) of the clip of ``ytid`` starting at ``start`` (seconds), or None.

        A name with a start must match it (and its end, where both are known); a name without a start
        (``<ytid>.wav``, ``Y<ytid>.wav``) is the downloader's one clip of that video and is used when no name with a
        matching start exists. Among several formats of one clip the order of ``AUDIO_EXTENSIONS`` decides."""
        timed: list[str] = []
        bare: list[str] = []
        for name, path in self._by_id.get(ytid, []):
            if name.start is None:
                bare.append(path)
            elif start is None:
                continue
            elif _same_time(name.start, start) and (name.end is None or end is None or _same_time(name.end, end)):
                timed.append(path)
        found = timed or bare
        if not found:
            return None
        return min(found, key=lambda p: (AUDIO_EXTENSIONS.index(posixpath.splitext(p)[1].lower()), p))

    def locate(self, ytid: str, start: float | None = None, end: float | None = None) -> tuple[str, int] | Absent:
        """``(path, size)`` of the clip, or ``Absent`` naming the clip the index lists."""
        path = self.find(ytid, start, end)
        if path is not None:
            return path, self.files[path]
        stem = ytid if start is None else f"{ytid}_{time_token(start)}"
        if start is not None and end is not None:
            stem += f"_{time_token(end)}"
        where = self.folder or "the corpus root"
        return Absent(
            posixpath.join(self.folder, stem), "clip missing", f"no {stem} clip (any name or format) under {where}"
        )
