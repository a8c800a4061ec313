"""Saraga 1.5 (CompMusic) — Indian art music recordings with rich editorial metadata: Carnatic (249 tracks, 168
with multitrack audio) and Hindustani (108 tracks). Two recipes, one per collection.

- Source: https://mtg.github.io/saraga/ and https://zenodo.org/record/4301737 (Bozkurt, Srinivasamurthy, Gulati and
  Serra), CC BY-NC-SA 4.0 (non-commercial).
- Native layout: ``saraga1.5_<carnatic|hindustani>/<concert>/<track>/<track>.*`` (the root may be the collection
  folder or hold it): ``<track>.mp3.mp3`` (the mix), ``<track>.json`` (Dunya/MusicBrainz metadata), manual
  annotations ``.tempo-manual.txt``, ``.sama-manual.txt``, ``.sections-manual-p.txt``, ``.mphrases-manual.txt``,
  automatic ``.ctonic.txt``/``.pitch*.txt``, and for Carnatic multitrack tracks ``.multitrack-<instrument>.mp3``
  (spot microphones with bleed between them, hence not used as isolated stems).
- Metadata: Carnatic ``raaga``/``taala``/``form``, Hindustani ``raags``/``taals``/``layas``/``forms`` (lists of
  ``{name, common_name}``), ``artists`` (``{artist: {name}, instrument: {name}, lead}``), ``album_artists``.
- Labels: ``genre`` = Carnatic / Hindustani; ``caption`` = a description built from the metadata, as Audio-FLAN does
  for CompMusic ("This is a Carnatic music piece set in the shri ranjani raga. It is composed in the adi taala, in
  the kriti form. The lead instrument featured in this performance is voice, accompanied by violin, mridangam and
  ghatam."; raga, tala, laya and form by their ``common_name``); ``artist`` = the one lead artist (else the one
  album artist); Carnatic ``tempo`` = the BPM of ``.tempo-manual.txt`` (``tempo_apm, tempo_bpm, sama_interval,
  beats_per_cycle, subdivisions``; ``NaN`` -> none). Hindustani tempo is given per section in mātrās per minute and
  is not kept.
- Recording id: the MusicBrainz recording ``mbid`` of the metadata.
- Split: the corpus defines none; ``hash_split(mbid)``.
- Problems: a track folder without its mix (``missing_audio``), a mix without metadata (``missing_label``), a
  metadata file that is not JSON or has no ``mbid`` (``bad_metadata``).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from typing import Any, ClassVar

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register


def _names(entries: Any) -> list[str]:
    """Distinct ``common_name`` (else ``name``) values of a metadata list, in order."""
    out: list[str] = []
    for entry in entries or []:
        name = str(entry.get("common_name") or entry.get("name") or "").strip()
        if name and name.lower() not in (n.lower() for n in out):
            out.append(name)
    return out


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def describe(tradition: str, meta: dict[str, Any]) -> str:
    """The description of a track from its metadata (parts without metadata are left out)."""
    carnatic = tradition == "Carnatic"
    ragas = _names(meta.get("raaga" if carnatic else "raags"))
    talas = _names(meta.get("taala" if carnatic else "taals"))
    layas = [] if carnatic else _names(meta.get("layas"))
    forms = _names(meta.get("form" if carnatic else "forms"))
    raga_word, tala_word = ("raga", "taala") if carnatic else ("raag", "taal")
    text = f"This is a {tradition} music piece"
    if ragas:
        text += f" set in the {_join(ragas)} {raga_word}"
    text += "."
    composed = []
    if talas:
        # Hindustani common names often carry the word already ("Teentaal").
        named = all(t.lower().endswith(("tal", "taal", "tala", "taala")) for t in talas)
        composed.append(f"in the {_join(talas)}" + ("" if named else f" {tala_word}"))
    if layas:
        composed.append(f"in {_join([la.lower() for la in layas])} laya")
    if forms:
        composed.append(f"in the {_join([f.lower() for f in forms])} form")
    if composed:
        text += f" It is composed {', '.join(composed)}."
    artists = meta.get("artists") or []
    lead = _names([a.get("instrument") or {} for a in artists if a.get("lead")])
    others = [
        i
        for i in _names([a.get("instrument") or {} for a in artists if not a.get("lead")])
        if i.lower() not in (x.lower() for x in lead)
    ]
    if lead:
        text += f" The lead instrument featured in this performance is {_join([x.lower() for x in lead])}"
        text += f", accompanied by {_join([x.lower() for x in others])}." if others else "."
    return text


def _artist(meta: dict[str, Any]) -> str | None:
    leads = {str((a.get("artist") or {}).get("name", "")).strip() for a in meta.get("artists") or [] if a.get("lead")}
    leads.discard("")
    if len(leads) == 1:
        return leads.pop()
    album = {str(a.get("name", "")).strip() for a in meta.get("album_artists") or []} - {""}
    return album.pop() if len(album) == 1 else None


def carnatic_tempo(text: str) -> float | None:
    """The BPM of a Carnatic ``.tempo-manual.txt`` (None for ``NaN``); ValueError when the line is malformed."""
    fields = [f.strip() for f in text.strip().split(",")]
    if len(fields) != 5:
        raise ValueError(f"{len(fields)} fields, expected tempo_apm, tempo_bpm, sama_interval, beats, subdivisions")
    if any(f.lower() == "nan" for f in fields):
        return None
    return float(vocab.tempo(fields[1]))


class _Saraga(Recipe):
    domain = "music"
    # Live concert recordings, most of them from the Dunya (CompMusic) collection.
    source = ["concert"]
    provides = frozenset({"genre", "caption", "artist", "tempo"})
    license = "CC-BY-NC-SA-4.0"
    citation = r"""@dataset{bozkurt2018saraga,
  title = {Saraga: research datasets of {Indian} Art Music},
  author = {Bozkurt, Baris and Srinivasamurthy, Ajay and Gulati, Sankalp and Serra, Xavier},
  publisher = {Zenodo},
  version = {1.5},
  year = {2018},
  doi = {10.5281/zenodo.4301737}
}"""
    tradition: ClassVar[str]

    @property
    def _collection(self) -> str:
        folder = f"saraga1.5_{self.tradition.lower()}"
        return folder if self.root.isdir(folder) else ""

    def check_layout(self) -> list[str]:
        base = self._collection
        if not base and not any(p.endswith(".json") for p in self.root.glob("*/*/*.json")):
            return [
                f"{self.name}: no saraga1.5_{self.tradition.lower()}/ (nor <concert>/<track>/<track>.json) under "
                f"{self.root.uri}; is this the Saraga {self.tradition} root?"
            ]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        base = self._collection
        files = self.root.find(base)
        tracks: dict[str, set[str]] = {}  # track folder -> its file names
        for path in files:
            rel = path[len(base) + 1 :] if base else path
            parts = rel.split("/")
            if len(parts) == 3:
                tracks.setdefault(posixpath.dirname(path), set()).add(parts[2])
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for folder, names in sorted(tracks.items()):
            title = posixpath.basename(folder)
            mix, metadata = f"{folder}/{title}.mp3.mp3", f"{folder}/{title}.json"
            if f"{title}.mp3.mp3" not in names:
                problems.append(Problem(mix, "missing_audio", f"track folder {folder} has no mix"))
                continue
            if f"{title}.json" not in names:
                problems.append(Problem(mix, "missing_label", f"no {title}.json beside the mix"))
                continue
            try:
                meta = json.loads(self.root.read_text(metadata))
                mbid = str(meta["mbid"]).strip()
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                problems.append(Problem(metadata, "bad_metadata", f"{type(e).__name__}: {e}"))
                continue
            labels: dict[str, Any] = {
                "genre": vocab.canonical("genre", self.tradition),
                "caption": describe(self.tradition, meta),
                "artist": _artist(meta),
            }
            tempo_file = f"{title}.tempo-manual.txt"
            if self.tradition == "Carnatic" and tempo_file in names:
                try:
                    labels["tempo"] = carnatic_tempo(self.root.read_text(f"{folder}/{tempo_file}"))
                except ValueError as e:
                    problems.append(Problem(f"{folder}/{tempo_file}", "bad_annotation", str(e)))
            recordings.append(Recording(mbid, mix, hash_split(mbid), compact(labels), files[mix]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)


@register
class SaragaCarnatic(_Saraga):
    name = "saraga_carnatic"
    number = 167
    tradition = "Carnatic"
    values = {"genre": frozenset({"Carnatic"})}


@register
class SaragaHindustani(_Saraga):
    name = "saraga_hindustani"
    number = 168
    tradition = "Hindustani"
    values = {"genre": frozenset({"Hindustani"})}
    provides = frozenset({"genre", "caption", "artist"})
