"""MTG-Jamendo — 55,000 full-length Creative Commons tracks from Jamendo with genre, instrument and mood/theme tags.

- Source: https://github.com/MTG/mtg-jamendo-dataset (Bogdanov et al., 2019); audio from
  https://essentia.upf.edu/documentation/datasets/mtg-jamendo/. Metadata CC BY-NC-SA 4.0 (non-commercial); each
  track's audio keeps its own Creative Commons licence (``audio_licenses.txt``), several of them non-commercial.
- Native layout: the repository's ``data/`` folder and the unpacked audio tars. Index files
  ``data/splits/split-<n>/autotagging_{top50tags,genre,instrument,moodtheme}-{train,validation,test}.tsv``:
  tab-separated, header ``TRACK_ID ARTIST_ID ALBUM_ID PATH DURATION TAGS``, then one column per tag
  (``genre---rock``, ``instrument---piano``, ``mood/theme---happy``); ids are zero-padded (``track_0000948``,
  ``artist_000087``). Audio is ``<NN>/<id>.mp3`` as ``PATH`` says (``<NN>/<id>.low.mp3`` in the ``audio-low``
  tars), under ``audios/`` (mirdata's name), ``audio/`` or the root itself; option ``audio_dir`` names another
  folder (relative to the root). The root may also be the ``data/`` folder when the audio lies elsewhere.
- Labels, one recording per track, each field from its own subset file: ``tags`` = the top-50 tags (all three
  categories), ``genre``, ``instrument`` and ``emotion`` (the mood/theme tags) = the tags of that category; a field
  with several tags is comma-separated in the file's order. Tags are written as words through
  ``vocab.music_tag`` (``electricguitar`` -> ``electric guitar``, ``hiphop`` -> ``hip hop``); moods through
  ``vocab.music_mood``. ``artist`` = ``ARTIST_ID`` as written (the release has no artist names).
- Split: the official ``split-0`` (option ``split``: another ``split-<n>``); validation -> dev. The subsets are
  filtered from one split of ``autotagging.tsv``, so a track has the same split in every subset file.
- Problems: a row with fewer than six columns or a tag without a ``<category>---`` prefix (``bad_metadata``), an
  unknown mood (``bad_label``), a track in two splits (``conflicting_split``; the subset read first, in the order
  top50tags, genre, instrument, moodtheme, keeps it), a row whose audio is absent
  (``missing_audio``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SUBSETS = ("top50tags", "genre", "instrument", "moodtheme")
_SPLITS = {"train": "train", "validation": "dev", "test": "test"}
_CATEGORIES = {"genre": "genre", "instrument": "instrument", "mood/theme": "emotion"}
_AUDIO_DIRS = ("audios", "audio", "")


@register
class MTGJamendo(Recipe):
    name = "mtg_jamendo"
    domain = "music"
    source = ["jamendo"]
    number = 140
    license = "CC-BY-NC-SA-4.0 (metadata); each track under its Creative Commons licence, some non-commercial"
    citation = r"""@inproceedings{bogdanov2019mtgjamendo,
  title = {The {MTG-Jamendo} Dataset for Automatic Music Tagging},
  author = {Bogdanov, Dmitry and Won, Minz and Tovstogan, Philip and Porter, Alastair and Serra, Xavier},
  booktitle = {Machine Learning for Music Discovery Workshop, International Conference on Machine Learning (ICML)},
  year = {2019},
  url = {http://hdl.handle.net/10230/42015}
}"""
    provides = frozenset({"tags", "genre", "instrument", "emotion", "artist"})

    def _split_dir(self) -> str:
        split = str(self.options.get("split", "split-0"))
        for data in ("data", ""):
            folder = posixpath.join(data, "splits", split)
            if self.root.isdir(folder):
                return folder
        return posixpath.join("data", "splits", split)

    def _index_files(self) -> list[tuple[str, str, str]]:
        """(path, subset, split) of each subset file of the chosen split that exists."""
        folder = self._split_dir()
        found = []
        for subset in _SUBSETS:
            for name, split in _SPLITS.items():
                path = posixpath.join(folder, f"autotagging_{subset}-{name}.tsv")
                if self.root.exists(path):
                    found.append((path, subset, split))
        return found

    def _audio_dir(self) -> str:
        if "audio_dir" in self.options:
            return str(self.options["audio_dir"]).strip("/")
        return next(d for d in _AUDIO_DIRS if d == "" or self.root.isdir(d))

    def check_layout(self) -> list[str]:
        if not self._index_files():
            return [
                f"mtg_jamendo: no {self._split_dir()}/autotagging_{{top50tags,genre,instrument,moodtheme}}-"
                f"{{train,validation,test}}.tsv under {self.root.uri}; is this the MTG-Jamendo root (or its data/)?"
            ]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        audio_dir = self._audio_dir()
        mp3s = self.root.find(audio_dir, ".mp3")
        tracks: dict[str, dict[str, Any]] = {}
        problems: list[Problem] = []
        for index, subset, split in self._index_files():
            lines = self.root.read_text(index).splitlines()
            for line_no, line in enumerate(lines[1:], 2):
                if not line.strip():
                    continue
                where = f"{index}:{line_no}"
                cols = line.rstrip("\r").split("\t")
                if len(cols) < 6 or not cols[0].strip() or not cols[3].strip():
                    problems.append(
                        Problem(where, "bad_metadata", "expected TRACK_ID ARTIST_ID ALBUM_ID PATH DURATION TAGS")
                    )
                    continue
                fields, problem = self._fields(subset, [t for t in cols[5:] if t.strip()], where)
                if problem:
                    problems.append(problem)
                    continue
                track = tracks.setdefault(cols[0].strip(), {"split": split, "path": cols[3].strip(), "where": where})
                if track["split"] != split:
                    problems.append(
                        Problem(where, "conflicting_split", f"{cols[0]} is in {track['split']} in {track['where']}")
                    )
                    continue
                track["artist"] = cols[1].strip()
                track.update(fields)
        recordings = []
        for track_id, track in sorted(tracks.items()):
            audio = self._find_audio(audio_dir, track["path"], mp3s)
            if audio is None:
                missing = posixpath.join(audio_dir, track["path"])
                problems.append(Problem(missing, "missing_audio", f"{track['where']} lists {track_id}"))
                continue
            meta = compact({f: track.get(f) for f in ("tags", "genre", "instrument", "emotion", "artist")})
            recordings.append(Recording(track_id, audio, track["split"], meta, mp3s[audio]))
        yield from recordings
        yield from sorted(problems, key=lambda p: p.path)

    @staticmethod
    def _fields(subset: str, tags: list[str], where: str) -> tuple[dict[str, str], Problem | None]:
        """The metadata one subset file gives a track: ``tags`` from top-50, else the subset's own category."""
        words: list[tuple[str, str]] = []  # (field, word) in the file's order
        for tag in tags:
            category, sep, _ = tag.strip().rpartition("---")
            if not sep or category not in _CATEGORIES:
                return {}, Problem(where, "bad_metadata", f"tag {tag!r} is not <genre|instrument|mood/theme>---<tag>")
            try:
                word = vocab.music_mood(tag) if category == "mood/theme" else vocab.music_tag(tag)
            except ValueError as e:
                return {}, Problem(where, "bad_label", str(e))
            words.append((_CATEGORIES[category], word))
        if subset == "top50tags":
            return {"tags": ", ".join(w for _, w in words)}, None
        fields = dict.fromkeys(f for f, _ in words)
        return {f: ", ".join(w for g, w in words if g == f) for f in fields}, None

    @staticmethod
    def _find_audio(audio_dir: str, path: str, mp3s: dict[str, int]) -> str | None:
        """The track's mp3 (``PATH``), or its ``.low.mp3`` from the audio-low tars."""
        full = posixpath.join(audio_dir, path)
        low = full[: -len(".mp3")] + ".low.mp3" if full.endswith(".mp3") else full
        return next((p for p in (full, low) if p in mp3s), None)
