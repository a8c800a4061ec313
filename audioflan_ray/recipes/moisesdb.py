"""MoisesDB — 240 songs by 45 artists in 12 genres, as the isolated source recordings of each song (vocals, bass,
drums, guitars, keys... down to single instruments), 44.1 kHz; about 14 hours.

- Source: https://music.ai/research/ and https://github.com/moises-ai/moises-db (Pereira et al., 2023,
  arXiv:2307.15913), under the Non-Commercial Research Community License (NC-RCL, the repository's README):
  **non-commercial** research use, redistribution only through authorized platforms, no derivative works, no voice
  cloning from its vocal stems.
- Native layout: ``moisesdb_v0.1/<song uuid>/data.json`` and ``moisesdb_v0.1/<song uuid>/<stemName>/<source
  uuid>.<extension>`` (the root may hold the ``moisesdb_v0.1`` folder or be it). ``data.json``: ``artist``, ``song``,
  ``genre`` and ``stems``, a list of ``{stemName, tracks: [{id, extension, trackType, has_bleed}]}``: a stem
  (``vocals``, ``bass``, ``drums``, ``guitar``, ``piano``, ``bowed_strings``...) is one or more source files, each of
  one ``trackType`` of the MoisesDB taxonomy (``lead female singer``, ``bass guitar``, ``kick drum``...).
- The release has no mixture file: a song's mixture is the sum of all its source files (as the ``moisesdb``
  package mixes them). So each recording here is one isolated source file: its ``audio`` is that source, and its
  ``stems`` field lists every source file of its song (``{label: path}``), whose sum is the song's mixture and in
  which the recording's own audio is the target. Sources marked ``has_bleed`` (other instruments audible in them)
  are listed in ``stems`` (they are part of the mixture) but are not recordings of their own.
- Labels: ``instrument`` = the ``trackType`` in words, the taxonomy's lists cut to their head (``banjo, mandolin,
  ukulele, harp etc`` -> ``banjo``; ``other (vocoder, beatboxing etc)`` -> ``other vocals``); ``instrument_family``
  = the stem name in words (``bowed_strings`` -> ``bowed strings``); ``stems`` labels are the sources' instruments,
  numbered when a song has several of one (``background vocals``, ``background vocals 2``). The song's genre and
  artist are not given to single sources.
- Split: the corpus defines none; ``hash_split(song uuid)``, so that all sources of a song share a split.
- Problems: a song folder without ``data.json`` or with one that is not JSON (``bad_metadata``), a source that
  ``data.json`` lists but whose file is absent (``missing_audio``), an audio file no ``data.json`` lists
  (``missing_label``).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_AUDIO_SUFFIXES = (".wav", ".flac", ".mp3")


def instrument(track_type: str, stem: str) -> str:
    """A taxonomy ``trackType`` as an instrument in words: lists and parentheses cut (``brass (trumpet, ...)`` ->
    ``brass``), a bare ``other`` named after its stem (``other vocals``)."""
    head = re.split(r"\s*\(|,", track_type, maxsplit=1)[0]
    words = vocab.words(head)
    if words not in ("other", "other sounds"):
        return words
    family = vocab.words(stem)
    return family if family.startswith("other") else f"other {family}"


@register
class MoisesDB(Recipe):
    name = "moisesdb"
    domain = "music"
    source = ["studio"]
    number = 169
    license = "Non-Commercial Research Community License (NC-RCL)"
    citation = r"""@misc{pereira2023moisesdb,
  title = {{MoisesDB}: A dataset for source separation beyond 4-stems},
  author = {Pereira, Igor and Ara{\'u}jo, Felipe and Korzeniowski, Filip and Vogl, Richard},
  year = {2023},
  eprint = {2307.15913},
  archivePrefix = {arXiv},
  primaryClass = {cs.SD}
}"""
    provides = frozenset({"instrument", "instrument_family", "stems"})

    def _songs(self) -> list[str]:
        """Song folders (relative to the root) holding a data.json."""
        found = self.root.glob("*/data.json") + self.root.glob("*/*/data.json")
        return sorted(posixpath.dirname(p) for p in found)

    def check_layout(self) -> list[str]:
        if not self._songs():
            return [
                f"moisesdb: no <song uuid>/data.json (nor moisesdb_v0.1/<song uuid>/data.json) under {self.root.uri}; "
                "is this the MoisesDB root?"
            ]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        songs = self._songs()
        recordings: list[Recording] = []
        problems: list[Problem] = []
        folders = {posixpath.dirname(s) for s in songs} or {""}
        files = {p: s for folder in sorted(folders) for p, s in self.root.find(folder).items()}
        audio_files = {p for p in files if p.lower().endswith(_AUDIO_SUFFIXES)}
        listed: set[str] = set()
        for song, (_, text) in zip(songs, self.root.read_many([f"{s}/data.json" for s in songs]), strict=True):
            try:
                data = json.loads(text)
                sources = self._sources(song, data)
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
                problems.append(Problem(f"{song}/data.json", "bad_metadata", f"{type(e).__name__}: {e}"))
                continue
            listed.update(path for path, *_ in sources)
            present = [s for s in sources if s[0] in files]
            for path, *_ in sources:
                if path not in files:
                    problems.append(Problem(path, "missing_audio", f"{song}/data.json lists this source"))
            stems = json.dumps({label: path for path, label, _, _ in present}, ensure_ascii=False, sort_keys=True)
            song_id = posixpath.basename(song)
            for path, _, meta, bleed in present:
                if bleed:
                    continue
                source_id = posixpath.splitext(posixpath.basename(path))[0]
                meta = compact({**meta, "stems": stems})
                recordings.append(Recording(f"{song_id}_{source_id}", path, hash_split(song_id), meta, files[path]))
        for path in sorted(audio_files - listed):
            problems.append(Problem(path, "missing_label", "no data.json lists this file"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    @staticmethod
    def _sources(song: str, data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], bool]]:
        """(path, stems label, labels, has bleed) of every source file ``data.json`` lists, in its order."""
        out: list[tuple[str, str, dict[str, Any], bool]] = []
        seen: dict[str, int] = {}
        for stem in data["stems"]:
            stem_name = str(stem["stemName"])
            for track in stem["tracks"]:
                path = f"{song}/{stem_name}/{track['id']}.{track['extension']}"
                words = instrument(str(track["trackType"]), stem_name)
                seen[words] = seen.get(words, 0) + 1
                label = words if seen[words] == 1 else f"{words} {seen[words]}"
                meta = {"instrument": words, "instrument_family": vocab.words(stem_name)}
                out.append((path, label, meta, bool(track.get("has_bleed", False))))
        return out
