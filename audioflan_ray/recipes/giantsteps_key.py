"""GiantSteps Key — 604 two-minute Beatport previews of electronic dance music with one global key each.

- Source: https://github.com/GiantSteps/giantsteps-key-dataset (Knees et al., ISMIR 2015), annotations CC BY-SA 4.0;
  the revised GiantSteps+ annotations by Á. Faraldo, https://zenodo.org/record/1095691 (CC BY-SA 4.0). The audio
  is Beatport's preview clips (fetched by ``audio_dl.sh``): research use, not redistributable.
- Native layouts (either, or both, under one root):
  original release: ``audio/<id>.LOFI.mp3``, ``annotations/key/<id>.LOFI.key`` (one line, e.g. ``Eb minor``, no
  final newline) and ``annotations/genre/<id>.LOFI.genre`` (Beatport genre slug, e.g. ``tech-house``);
  GiantSteps+ (Zenodo ``audio.zip``, ``keys.zip``, ``original_metadata.zip``): ``audio/<id> <Artist> - <Title>.mp3``,
  ``keys_gs+/<same name>.txt`` (the key) and ``meta/<same name>.json`` (Beatport's track record: ``artists``,
  ``genres``, ...).
- Labels: ``key`` through ``vocab.key`` (``Eb minor``, ``Db minor`` -> ``C# minor``); ``genre`` in words (the
  ``.genre`` slug as Beatport names it, ``indie-dance nu-disco`` -> ``indie dance / nu disco``, or the JSON's
  ``genres`` names, comma-separated); ``artist`` = the JSON's ``artists`` names,
  comma-separated. Beatport's own ``key`` and ``bpm`` in the JSON are not used: they are the store's uncorrected
  values that these annotations were made to correct.
- Recording id: the Beatport track id (``10089``). Where both layouts hold a track, the GiantSteps+ annotation is
  kept and the original one reported as ``duplicate``.
- Split: the corpus defines none (it is an evaluation set); ``hash_split(recording_id)``.
- Problems: a key file whose mp3 is absent (``missing_audio``), an mp3 without a key file (``missing_label``), a key
  ``vocab.key`` cannot read (``bad_label``), an unreadable JSON (``bad_metadata``), a track in both layouts
  (``duplicate``).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_ORIGINAL_KEYS = "annotations/key"
_PLUS_KEYS = "keys_gs+"


class _Unreadable(Exception):
    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


@register
class GiantStepsKey(Recipe):
    name = "giantsteps_key"
    domain = "music"
    source = ["beatport"]
    number = 142
    license = "CC-BY-SA-4.0 (annotations); audio: Beatport previews, research use only"
    citation = r"""@inproceedings{knees2015giantsteps,
  title = {Two Data Sets for Tempo Estimation and Key Detection in Electronic Dance Music Annotated from User
    Corrections},
  author = {Knees, Peter and Faraldo, {\'A}ngel and Herrera, Perfecto and Vogl, Richard and B{\"o}ck, Sebastian and
    H{\"o}rschl{\"a}ger, Florian and Le Goff, Mickael},
  booktitle = {Proceedings of the 16th International Society for Music Information Retrieval Conference (ISMIR)},
  pages = {364--370},
  year = {2015}
}"""
    provides = frozenset({"key", "genre", "artist"})

    def check_layout(self) -> list[str]:
        if not self.root.isdir(_PLUS_KEYS) and not self.root.isdir(_ORIGINAL_KEYS):
            return [
                f"giantsteps_key: no {_ORIGINAL_KEYS}/ (original release) nor {_PLUS_KEYS}/ (GiantSteps+) under "
                f"{self.root.uri}; is this the GiantSteps Key root?"
            ]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        mp3s = self.root.find("audio", ".mp3")
        recordings: dict[str, Recording] = {}
        problems: list[Problem] = []
        keyed: set[str] = set()
        for rec_id, audio, key_file, meta_of in [*self._plus(), *self._original()]:
            keyed.add(audio)
            if rec_id in recordings:
                problems.append(Problem(key_file, "duplicate", f"track {rec_id} is also annotated in {_PLUS_KEYS}/"))
                continue
            if audio not in mp3s:
                problems.append(Problem(audio, "missing_audio", f"{key_file} has no audio"))
                continue
            try:
                meta = meta_of()
            except ValueError as e:
                problems.append(Problem(key_file, "bad_label", str(e)))
                continue
            except _Unreadable as e:
                problems.append(Problem(e.path, "bad_metadata", "not a Beatport track record (JSON)"))
                continue
            recordings[rec_id] = Recording(rec_id, audio, hash_split(rec_id), compact(meta), mp3s[audio])
        for audio in mp3s:
            if audio not in keyed:
                problems.append(Problem(audio, "missing_label", "no key annotation for this mp3"))
        yield from sorted(recordings.values(), key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    def _original(self) -> Iterator[tuple[str, str, str, Any]]:
        """(id, audio, key file, meta loader) of the original release."""
        for key_file in self.root.find(_ORIGINAL_KEYS, ".LOFI.key"):
            name = posixpath.basename(key_file)[: -len(".LOFI.key")]
            genre_file = f"annotations/genre/{name}.LOFI.genre"

            def meta(key_file: str = key_file, genre_file: str = genre_file) -> dict[str, Any]:
                genre = self.root.read_text(genre_file).strip() if self.root.exists(genre_file) else ""
                return {"key": vocab.key(self.root.read_text(key_file).strip()), "genre": _genre_slug(genre)}

            yield name, f"audio/{name}.LOFI.mp3", key_file, meta

    def _plus(self) -> Iterator[tuple[str, str, str, Any]]:
        """(id, audio, key file, meta loader) of GiantSteps+: files named ``<id> <Artist> - <Title>``."""
        for key_file in self.root.find(_PLUS_KEYS, ".txt"):
            name = posixpath.basename(key_file)[: -len(".txt")]
            m = re.match(r"(\d+) ", name)
            meta_file = f"meta/{name}.json"

            def meta(key_file: str = key_file, meta_file: str = meta_file) -> dict[str, Any]:
                out: dict[str, Any] = {"key": vocab.key(self.root.read_text(key_file).strip())}
                if self.root.exists(meta_file):
                    try:
                        info = json.loads(self.root.read_text(meta_file))
                        artists = [a["name"] for a in info.get("artists") or []]
                        genres = [g["name"] for g in info.get("genres") or []]
                    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
                        raise _Unreadable(meta_file) from e
                    out["artist"] = ", ".join(vocab.text(a) for a in artists)
                    out["genre"] = ", ".join(vocab.words(g) for g in genres)
                return out

            yield (m.group(1) if m else name), f"audio/{name}.mp3", key_file, meta


def _genre_slug(value: str) -> str:
    """A Beatport genre slug in words, its parts as Beatport's name has them: ``tech-house`` -> ``tech house``,
    ``indie-dance nu-disco`` -> ``indie dance / nu disco`` (Beatport's "Indie Dance / Nu Disco")."""
    return " / ".join(vocab.words(part.replace("-", " ")) for part in value.split())
