"""GTZAN Genre Collection — 1,000 thirty-second music excerpts, 100 per genre, 22.05 kHz mono.

- Source: http://marsyas.info/downloads/datasets.html (Tzanetakis & Cook, 2002). No licence: the excerpts were
  taken from CDs, radio and microphone recordings, so the corpus is research-use only and is never redistributed
  with this package.
- Native layout: ``genres/<genre>/<genre>.NNNNN.{au,wav}`` (the marsyas release is ``.au``; WAV re-encodings such
  as mirdata's keep the tree; Kaggle's copy names it ``genres_original/``). Other files (the marsyas ``*.mf``
  lists) are not audio and are not read.
- Labels: the genre is the folder name as written (``hiphop`` stays ``hiphop``): blues, classical, country, disco,
  hiphop, jazz, metal, pop, reggae, rock.
- Split: the corpus defines none; ``hash_split(recording_id)`` (5 % dev, 5 % test), with ``recording_id`` the file
  stem (``blues.00000``).
- Problems: an audio file not directly inside a genre folder -> ``bad_layout``; a second file for the same stem
  (``.au`` beside ``.wav``, or both folders present) -> ``duplicate`` (``genres/`` and ``.wav`` win).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_GENRE_DIRS = ("genres", "genres_original")
_SUFFIXES = (".wav", ".au")


@register
class GTZAN(Recipe):
    name = "gtzan"
    domain = "music"
    # Excerpts of CDs, radio and microphone recordings: "radio" is the closest Audio-FLAN source label.
    source = ["radio"]
    number = 40
    license = "No licence (research use only)"
    citation = r"""@article{tzanetakis2002genre,
  title = {Musical Genre Classification of Audio Signals},
  author = {Tzanetakis, George and Cook, Perry},
  journal = {IEEE Transactions on Speech and Audio Processing},
  volume = {10},
  number = {5},
  pages = {293--302},
  year = {2002},
  doi = {10.1109/TSA.2002.800560}
}"""
    provides = frozenset({"genre"})

    def _audio(self) -> list[tuple[str, int]]:
        """Audio files in order of preference (genres/ before genres_original/, .wav before .au)."""
        return [
            item for folder in _GENRE_DIRS for suffix in _SUFFIXES for item in self.root.find(folder, suffix).items()
        ]

    def check_layout(self) -> list[str]:
        if not any(self.root.isdir(folder) for folder in _GENRE_DIRS):
            return [f"gtzan: no genres/ (nor genres_original/) under {self.root.uri}"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: list[Recording] = []
        problems: list[Problem] = []
        seen: set[str] = set()
        for audio, size in self._audio():
            parts = audio.split("/")
            if len(parts) != 3:
                problems.append(Problem(audio, "bad_layout", "expected genres/<genre>/<genre>.NNNNN.wav or .au"))
                continue
            rec_id = posixpath.splitext(parts[2])[0]
            if rec_id in seen:  # the same excerpt twice (.au and .wav, or under both folders)
                problems.append(Problem(audio, "duplicate", f"{rec_id} is already listed under another name"))
                continue
            seen.add(rec_id)
            meta = compact({"genre": parts[1]})
            recordings.append(Recording(rec_id, audio, hash_split(rec_id), meta, size))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
