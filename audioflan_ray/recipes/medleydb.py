"""MedleyDB — 122 multitrack songs (mix, stems, raw tracks) with melody f0 annotations, and its melody and pitch
subsets.

- Source: https://medleydb.weebly.com (Bittner et al., ISMIR 2014); the Melody subset
  https://zenodo.org/record/2628782 and the Pitch subset https://zenodo.org/record/2620624. CC BY-NC-SA 4.0
  (non-commercial).
- Native layouts (any of them under one root):
  release: ``Audio/<Track>/<Track>_MIX.wav``, ``Audio/<Track>/<Track>_STEMS/<Track>_STEM_<NN>.wav``,
  ``Audio/<Track>/<Track>_METADATA.yaml`` (or ``Metadata/<Track>_METADATA.yaml``: ``artist``, ``genre``, ``stems``:
  ``S<NN>: {component, filename, instrument}``) and ``Annotations/Melody_Annotations/MELODY{1,2,3}/
  <Track>_MELODY{1,2,3}.csv``;
  Melody subset: ``audio/<Track>_MIX.wav``, ``melody{1,2,3}/<Track>_MELODY{1,2,3}.csv`` and
  ``medleydb_melody_metadata.json`` (``{track: {artist, title, genre, ...}}``);
  Pitch subset: ``audio/<Track>_STEM_<NN>.wav``, ``pitch/<Track>_STEM_<NN>.csv`` and ``medleydb_pitch_metadata.json``
  (``{stem: {instrument, artist, title, genre}}``).
  Annotation CSVs have no header: ``time,f0`` per 256-sample hop at 44.1 kHz, f0 0 where unvoiced (``MELODY3`` has
  one f0 column per melodic source and is not used).
- Labels: ``melody`` = the f0 annotation (``MELODY2``, the predominant melody across sources; ``MELODY1`` where a
  track has no ``MELODY2``; option ``melody: 1`` prefers ``MELODY1``; a stem's pitch track) as notes through
  ``audio.music.f0_to_notes`` (``0.00-0.52 A4, 0.52-1.10 C5``); ``genre`` in words; ``artist`` as written;
  ``instrument`` of a pitch-subset stem in words; for release mixes ``stems`` = JSON ``{instrument: path}`` of every
  stem (a repeated instrument numbered: ``violin section 2``) and ``target_audio`` = the stem whose ``component`` is
  ``melody`` where exactly one is.
- Split: the corpus defines none; ``hash_split(<Track>)``, so a track's mix and stems share a split.
- Problems: an annotation whose audio is absent (``missing_audio``), an unreadable annotation CSV or metadata file
  (``bad_metadata``).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from typing import Any

import numpy as np
import yaml

from audioflan_ray import vocab
from audioflan_ray.audio.music import f0_to_notes, format_notes
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_RELEASE_MELODY = "Annotations/Melody_Annotations/MELODY{n}/{track}_MELODY{n}.csv"
_SUBSET_MELODY = "melody{n}/{track}_MELODY{n}.csv"
_MELODY_META = "medleydb_melody_metadata.json"
_PITCH_META = "medleydb_pitch_metadata.json"


class _Bad(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path


@register
class MedleyDB(Recipe):
    name = "medleydb"
    domain = "music"
    source = ["studio"]
    number = 143
    license = "CC-BY-NC-SA-4.0"
    citation = r"""@inproceedings{bittner2014medleydb,
  title = {{MedleyDB}: A Multitrack Dataset for Annotation-Intensive {MIR} Research},
  author = {Bittner, Rachel M. and Salamon, Justin and Tierney, Mike and Mauch, Matthias and Cannam, Chris and Bello,
    Juan Pablo},
  booktitle = {Proceedings of the 15th International Society for Music Information Retrieval Conference (ISMIR)},
  year = {2014}
}"""
    provides = frozenset({"melody", "genre", "artist", "instrument", "stems", "target_audio"})

    def check_layout(self) -> list[str]:
        if not any(self.root.isdir(d) for d in ("Audio", "melody1", "melody2", "pitch")):
            return [
                f"medleydb: no Audio/ (release), melody1/ or melody2/ (Melody subset) nor pitch/ (Pitch subset) under "
                f"{self.root.uri}; is this a MedleyDB root?"
            ]
        return []

    def _melody_order(self) -> tuple[int, int]:
        return (1, 2) if str(self.options.get("melody", "2")) == "1" else (2, 1)

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for scan in (self._release, self._melody_subset, self._pitch_subset):
            for item in scan():
                if isinstance(item, Recording):
                    recordings.append(item)
                else:
                    problems.append(item)
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    def _notes(self, path: str) -> str | None:
        """The melody text of an f0 CSV (None when it has no note long enough)."""
        try:
            rows = [line.split(",") for line in self.root.read_text(path).splitlines() if line.strip()]
            data = np.array([[float(r[0]), float(r[1])] for r in rows], dtype=np.float64).reshape(-1, 2)
        except (ValueError, IndexError) as e:
            raise _Bad(path, f"expected time,f0 lines: {e}") from e
        return format_notes(f0_to_notes(data[:, 0], data[:, 1])) or None

    def _first_melody(self, pattern: str, track: str) -> str | None:
        for n in self._melody_order():
            path = pattern.format(n=n, track=track)
            if self.root.exists(path):
                return path
        return None

    def _release(self) -> Iterator[Recording | Problem]:
        if not self.root.isdir("Audio"):
            return
        mixes = self.root.find("Audio", "_MIX.wav")
        wavs = self.root.find("Audio", ".wav")
        for mix, size in mixes.items():
            track = posixpath.basename(mix)[: -len("_MIX.wav")]
            folder = posixpath.dirname(mix)
            try:
                meta = self._release_meta(track, folder, wavs)
                melody = self._first_melody(_RELEASE_MELODY, track)
                if melody:
                    meta["melody"] = self._notes(melody)
            except _Bad as e:
                yield Problem(e.path, "bad_metadata", str(e))
                continue
            yield Recording(track, mix, hash_split(track), compact(meta), size)
        listed = {posixpath.basename(m)[: -len("_MIX.wav")] for m in mixes}
        for n in (1, 2, 3):
            for path in self.root.find(f"Annotations/Melody_Annotations/MELODY{n}", ".csv"):
                track = posixpath.basename(path)[: -len(f"_MELODY{n}.csv")]
                if track not in listed:
                    yield Problem(path, "missing_audio", f"no Audio/{track}/{track}_MIX.wav")

    def _release_meta(self, track: str, folder: str, wavs: dict[str, int]) -> dict[str, Any]:
        path = next(
            (p for p in (f"{folder}/{track}_METADATA.yaml", f"Metadata/{track}_METADATA.yaml") if self.root.exists(p)),
            None,
        )
        if path is None:
            return {}
        try:
            info = yaml.safe_load(self.root.read_text(path)) or {}
            stems = sorted((info.get("stems") or {}).items())
            stem_dir = f"{folder}/{info.get('stem_dir') or track + '_STEMS'}"
            entries = [(str(s["instrument"]), f"{stem_dir}/{s['filename']}", s.get("component")) for _, s in stems]
        except (yaml.YAMLError, AttributeError, KeyError, TypeError) as e:
            raise _Bad(path, f"not a MedleyDB metadata file: {e}") from e
        labels: dict[str, str] = {}
        melody_stems = []
        for instrument, stem, component in entries:
            if stem not in wavs:
                continue
            label, k = vocab.words(instrument), 2
            while label in labels:
                label, k = f"{vocab.words(instrument)} {k}", k + 1
            labels[label] = stem
            if component == "melody":
                melody_stems.append(stem)
        return {
            "artist": vocab.text(info.get("artist") or "") or None,
            "genre": vocab.words(info["genre"]) if info.get("genre") else None,
            "stems": json.dumps(labels, ensure_ascii=False) if labels else None,
            "target_audio": melody_stems[0] if len(melody_stems) == 1 else None,
        }

    def _subset_meta(self, path: str) -> dict[str, dict[str, Any]]:
        if not self.root.exists(path):
            return {}
        try:
            data = json.loads(self.root.read_text(path))
            return {str(k): dict(v) for k, v in data.items()}
        except (json.JSONDecodeError, AttributeError, TypeError, ValueError) as e:
            raise _Bad(path, f"not a {{track: {{...}}}} JSON object: {e}") from e

    def _melody_subset(self) -> Iterator[Recording | Problem]:
        if not any(self.root.isdir(f"melody{n}") for n in (1, 2)):
            return
        try:
            info = self._subset_meta(_MELODY_META)
        except _Bad as e:
            yield Problem(e.path, "bad_metadata", str(e))
            info = {}
        mixes = self.root.find("audio", "_MIX.wav")
        tracks = {posixpath.basename(m)[: -len("_MIX.wav")]: m for m in mixes}
        for track, mix in tracks.items():
            entry = info.get(track, {})
            meta: dict[str, Any] = {
                "artist": vocab.text(entry.get("artist") or "") or None,
                "genre": vocab.words(entry["genre"]) if entry.get("genre") else None,
            }
            melody = self._first_melody(_SUBSET_MELODY, track)
            try:
                meta["melody"] = self._notes(melody) if melody else None
            except _Bad as e:
                yield Problem(e.path, "bad_metadata", str(e))
                continue
            yield Recording(track, mix, hash_split(track), compact(meta), mixes[mix])
        for n in (1, 2, 3):
            for path in self.root.find(f"melody{n}", ".csv"):
                track = posixpath.basename(path)[: -len(f"_MELODY{n}.csv")]
                if track not in tracks:
                    yield Problem(path, "missing_audio", f"no audio/{track}_MIX.wav")

    def _pitch_subset(self) -> Iterator[Recording | Problem]:
        if not self.root.isdir("pitch"):
            return
        try:
            info = self._subset_meta(_PITCH_META)
        except _Bad as e:
            yield Problem(e.path, "bad_metadata", str(e))
            info = {}
        wavs = self.root.find("audio", ".wav")
        for path in self.root.find("pitch", ".csv"):
            stem = posixpath.basename(path)[: -len(".csv")]
            audio = f"audio/{stem}.wav"
            if audio not in wavs:
                yield Problem(path, "missing_audio", f"no {audio}")
                continue
            entry = info.get(stem, {})
            try:
                melody = self._notes(path)
            except _Bad as e:
                yield Problem(e.path, "bad_metadata", str(e))
                continue
            meta = {
                "melody": melody,
                "instrument": vocab.words(entry["instrument"]) if entry.get("instrument") else None,
                "artist": vocab.text(entry.get("artist") or "") or None,
                "genre": vocab.words(entry["genre"]) if entry.get("genre") else None,
            }
            track = stem.rsplit("_STEM_", 1)[0]
            yield Recording(stem, audio, hash_split(track), compact(meta), wavs[audio])
