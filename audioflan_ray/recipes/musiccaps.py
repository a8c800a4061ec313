"""MusicCaps — 5,521 ten-second YouTube music clips (from AudioSet), each with a free-text caption and an aspect list
written by professional musicians.

- Source: https://www.kaggle.com/datasets/googleai/musiccaps (Agostinelli et al., 2023, the MusicLM paper),
  CC BY-SA 4.0 for the captions; the audio is YouTube's and every user downloads it.
- Native layout: ``musiccaps-public.csv`` with the header
  ``ytid,start_s,end_s,audioset_positive_labels,aspect_list,caption,author_id,is_balanced_subset,is_audioset_eval``
  (comma-separated, fields with commas or newlines double-quoted; ``aspect_list`` a Python list literal). Clips are
  in the folder ``options.audio_dir`` (default: the whole root, searched recursively), named as downloaders write
  them: ``<ytid>.<ext>``, ``<ytid>_<start>.<ext>`` or ``<ytid>_<start>_<end>.<ext>`` (seconds, integer or decimal,
  or milliseconds), ``ext`` one of wav, flac, mp3, opus, ogg, m4a.
- Labels: ``caption`` (whitespace collapsed). The aspect lists are free-form descriptors rather than a tag
  vocabulary and the AudioSet labels are machine ids; neither is kept.
- Split: ``is_audioset_eval`` True -> test (the clip is in AudioSet's evaluation set), else train.
- Problems: a clip the index lists but the folder lacks is expected (videos disappear) -> ``Absent`` ("clip
  missing"); a row without a YouTube id, with a bad start or without a caption -> ``bad_row``.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Absent, Problem, Recipe, Recording, compact, register

_INDEX = "musiccaps-public.csv"
_AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".opus", ".ogg", ".m4a")
_NUM = r"\d+(?:\.\d+)?"
_CLIP = re.compile(rf"(?P<id>[A-Za-z0-9_-]{{11}})(?:_(?P<start>{_NUM})(?:_(?P<end>{_NUM}))?)?")


def _same_time(token: str, seconds: float) -> bool:
    """A number in a clip name is ``seconds`` written as seconds or, as a bare integer, as milliseconds."""
    return abs(float(token) - seconds) < 1e-3 or (
        token.isdigit() and seconds > 0 and int(token) == round(seconds * 1000)
    )


class _Clips:
    """The clips below one folder, listed once: YouTube id -> [(start token or None, path)]."""

    def __init__(self, files: dict[str, int]):
        self.files = files
        self.by_id: dict[str, list[tuple[str | None, str]]] = {}
        for path in files:
            stem, ext = posixpath.splitext(posixpath.basename(path))
            m = _CLIP.fullmatch(stem) if ext.lower() in _AUDIO_EXTENSIONS else None
            if m:
                self.by_id.setdefault(m["id"], []).append((m["start"], path))

    def find(self, ytid: str, start: float) -> str | None:
        """The clip of ``ytid`` starting at ``start``; a name without a start is the downloader's one clip of the
        video and is used when no name gives the start. WAV before FLAC before the others, then by name."""
        named = self.by_id.get(ytid, [])
        found = [p for s, p in named if s is not None and _same_time(s, start)] or [p for s, p in named if s is None]
        order = {e: i for i, e in enumerate(_AUDIO_EXTENSIONS)}
        return min(found, key=lambda p: (order[posixpath.splitext(p)[1].lower()], p)) if found else None


@register
class MusicCaps(Recipe):
    name = "musiccaps"
    domain = "music"
    source = ["youtube"]
    number = 165
    license = "CC-BY-SA-4.0 (captions); audio under YouTube's terms"
    citation = r"""@article{agostinelli2023musiclm,
  title = {{MusicLM}: Generating Music From Text},
  author = {Agostinelli, Andrea and Denk, Timo I. and Borsos, Zal{\'a}n and Engel, Jesse and Verzetti, Mauro and
    Caillon, Antoine and Huang, Qingqing and Jansen, Aren and Roberts, Adam and Tagliasacchi, Marco and Sharifi, Matt
    and Zeghidour, Neil and Frank, Christian},
  journal = {arXiv preprint arXiv:2301.11325},
  year = {2023}
}"""
    provides = frozenset({"caption"})

    def check_layout(self) -> list[str]:
        if not self.root.exists(_INDEX):
            return [f"musiccaps: no {_INDEX} under {self.root.uri}; is this the MusicCaps root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem | Absent]:
        folder = str(self.options.get("audio_dir", "")).strip("/")
        clips = _Clips(self.root.find(folder))
        recordings: list[Recording] = []
        problems: list[Problem] = []
        absent: list[Absent] = []
        for row in csv.DictReader(io.StringIO(self.root.read_text(_INDEX))):
            ytid = (row.get("ytid") or "").strip()
            where = f"{_INDEX}:{ytid or '?'}"
            try:
                start = float(row.get("start_s") or "")
            except ValueError:
                problems.append(Problem(where, "bad_row", f"start_s {row.get('start_s')!r} is not a number"))
                continue
            caption = vocab.text(row.get("caption") or "")
            if not re.fullmatch(r"[A-Za-z0-9_-]{11}", ytid) or not caption:
                problems.append(Problem(where, "bad_row", "no 11-character YouTube id or no caption"))
                continue
            path = clips.find(ytid, start)
            if path is None:
                stem = f"{ytid}_{int(start) if start.is_integer() else start}"
                absent.append(
                    Absent(posixpath.join(folder, stem), "clip missing", f"no {stem} clip under {folder or 'the root'}")
                )
                continue
            split = "test" if (row.get("is_audioset_eval") or "").strip() == "True" else "train"
            recordings.append(Recording(ytid, path, split, compact({"caption": caption}), clips.files[path]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
        yield from sorted(absent, key=lambda a: a.path)
