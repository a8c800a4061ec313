"""FMA (Free Music Archive) — 106,574 Creative Commons tracks by 16,341 artists, with genres and an artist-aware split.

- Source: https://github.com/mdeff/fma (Defferrard et al., ISMIR 2017); metadata ``fma_metadata.zip`` CC BY 4.0,
  each track under the Creative Commons licence its artist chose (``track.license``; many are non-commercial).
- Native layout: ``fma_metadata/tracks.csv`` and ``fma_metadata/genres.csv`` beside the unzipped audio
  ``fma_{small,medium,large,full}/<3-digit>/<6-digit>.mp3`` (``000/000002.mp3`` is track 2). ``tracks.csv`` is
  pandas' two-level CSV: row 1 the column group (``album`` / ``artist`` / ``set`` / ``track``), row 2 the column
  (``name``, ``split``, ``genre_top``, ...), row 3 the index name ``track_id``, then one row per track; text fields
  (bios, descriptions) are quoted and may hold newlines. ``genres.csv``: ``genre_id,#tracks,parent,title,top_level``.
- Audio folder: option ``audio`` (e.g. ``fma_small``); otherwise the first present of ``fma_full``, ``fma_large``,
  ``fma_medium``, ``fma_small``. The small and medium archives hold only their subset (``set.subset``: small is
  inside medium inside large), so tracks outside the chosen archive's subset are not part of the corpus copy and are
  not listed.
- Labels: ``artist`` = ``artist.name`` as written (whitespace collapsed); ``genre`` = ``track.genre_top``
  (``Hip-Hop`` -> ``hip hop``, through ``vocab.music_tag``), or where the track has no single top-level genre the
  titles of its ``track.genres`` ids from ``genres.csv``, comma-separated.
- Split: the official ``set.split`` (training / validation / test; artists do not cross splits): validation -> dev.
- Problems: a row without a track id or with an unknown split (``bad_metadata``), a genre id that ``genres.csv``
  lacks (``bad_label``), a track of the archive's subset whose mp3 is absent (``missing_audio``).
"""

from __future__ import annotations

import ast
import csv
import io
from collections.abc import Callable, Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_TRACKS = "fma_metadata/tracks.csv"
_GENRES = "fma_metadata/genres.csv"
_ARCHIVES = ("fma_full", "fma_large", "fma_medium", "fma_small")
#: subsets each archive holds (``set.subset``)
_HOLDS = {
    "fma_full": {"small", "medium", "large"},
    "fma_large": {"small", "medium", "large"},
    "fma_medium": {"small", "medium"},
    "fma_small": {"small"},
}
_SPLITS = {"training": "train", "validation": "dev", "test": "test"}


def _getter(column: dict[str, int], row: list[str]) -> Callable[[str], str]:
    """The value of ``<group>.<name>`` in ``row`` (stripped; "" where the row is short)."""

    def get(name: str) -> str:
        i = column.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    return get


@register
class FMA(Recipe):
    name = "fma"
    domain = "music"
    source = ["freemusicarchive"]
    number = 141
    license = "CC-BY-4.0 (metadata); each track under its artist's Creative Commons licence, some non-commercial"
    citation = r"""@inproceedings{defferrard2017fma,
  title = {{FMA}: A Dataset for Music Analysis},
  author = {Defferrard, Micha{\"e}l and Benzi, Kirell and Vandergheynst, Pierre and Bresson, Xavier},
  booktitle = {Proceedings of the 18th International Society for Music Information Retrieval Conference (ISMIR)},
  year = {2017}
}"""
    provides = frozenset({"artist", "genre"})

    def _archive(self) -> str | None:
        if "audio" in self.options:
            return str(self.options["audio"]).strip("/")
        return next((a for a in _ARCHIVES if self.root.isdir(a)), None)

    def check_layout(self) -> list[str]:
        if not self.root.exists(_TRACKS):
            return [f"fma: no {_TRACKS} under {self.root.uri}; is this the folder holding fma_metadata/ and fma_*/?"]
        if self._archive() is None:
            return [f"fma: no audio folder ({', '.join(_ARCHIVES)}) under {self.root.uri}"]
        return []

    def _genre_titles(self) -> dict[str, str]:
        if not self.root.exists(_GENRES):
            return {}
        rows = csv.DictReader(io.StringIO(self.root.read_text(_GENRES)))
        return {(r.get("genre_id") or "").strip(): (r.get("title") or "").strip() for r in rows}

    def scan(self) -> Iterator[Recording | Problem]:
        archive = self._archive() or _ARCHIVES[-1]
        holds = _HOLDS.get(archive, _HOLDS["fma_full"])
        mp3s = self.root.find(archive, ".mp3")
        titles = self._genre_titles()
        reader = csv.reader(io.StringIO(self.root.read_text(_TRACKS), newline=""))
        groups, names = next(reader, []), next(reader, [])
        next(reader, None)  # the index name row: track_id
        column = {f"{g}.{n}": i for i, (g, n) in enumerate(zip(groups, names, strict=False)) if g and n}
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for row in reader:
            get = _getter(column, row)
            if get("set.subset") not in holds:
                continue
            track_id, split = (row[0].strip() if row else ""), _SPLITS.get(get("set.split"))
            where = f"{_TRACKS}:track {track_id or '?'}"
            if not track_id.isdigit() or split is None:
                problems.append(Problem(where, "bad_metadata", f"expected a track id and a set.split: {row[:1]}"))
                continue
            tid = f"{int(track_id):06d}"
            audio = f"{archive}/{tid[:3]}/{tid}.mp3"
            if audio not in mp3s:
                problems.append(Problem(audio, "missing_audio", f"{where} ({get('set.subset')} subset)"))
                continue
            genre, problem = self._genre(get("track.genre_top"), get("track.genres"), titles, where)
            if problem:
                problems.append(problem)
                continue
            artist = get("artist.name")
            meta = compact({"artist": vocab.text(artist) if artist else None, "genre": genre})
            recordings.append(Recording(tid, audio, split, meta, mp3s[audio]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    @staticmethod
    def _genre(top: str, ids: str, titles: dict[str, str], where: str) -> tuple[str | None, Problem | None]:
        if top:
            return vocab.music_tag(top), None
        try:
            listed = [str(g) for g in ast.literal_eval(ids or "[]")]
        except (ValueError, SyntaxError):
            return None, Problem(where, "bad_metadata", f"track.genres is not a list of ids: {ids!r}")
        unknown = [g for g in listed if g not in titles]
        if unknown:
            return None, Problem(where, "bad_label", f"genre ids {unknown} are not in {_GENRES}")
        return ", ".join(vocab.music_tag(titles[g]) for g in listed) or None, None
