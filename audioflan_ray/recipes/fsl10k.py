"""FSL10K (Freesound Loop Dataset) — 9,455 music loops from Freesound, a part of them annotated by music
researchers with tempo, key, genre and instrumentation.

- Source: https://zenodo.org/record/3967852 (Ramires et al., ISMIR 2020); each loop keeps its Freesound licence
  (CC0, CC BY or CC BY-NC: check ``metadata.json`` before redistributing).
- Native layout (the annotation tool's, github.com/aframires/freesound-loop-annotator ``app.py``):
  ``audio/wav/<sound id>_<user id>.<original extension>.wav``; ``metadata.json`` (Freesound metadata keyed by sound
  id: name, username, tags, description, licence...); ``annotations/<annotator>/sound-<sound id>.json``, one manual
  annotation per annotator and loop: ``discard``, ``instrumentation`` (``percussion``/``bass``/``chords``/``melody``
  /``fx``/``vocal`` booleans), ``defined_tempo``, ``bpm`` (text), ``signature``, ``well_cut``, ``key`` (``c``...
  ``b`` with sharps, ``none``/``unknown``), ``mode`` (``maj``/``min``/``none``/``unknown``), ``genres`` (list of
  ``bass music``, ``cinematic``, ``electronic``, ``global``, ``hip hop``, ``house / techno``, ``live sounds``,
  ``other dance music``), ``comments``. ``ac_analysis/``, ``fs_analysis/`` and ``parent_genres.json`` hold
  automatic estimates and are not read.
- Labels, from the manual annotations only (a loop annotated twice keeps a label only where the annotators agree;
  annotations marked ``discard`` are ignored): ``tempo`` (where the tempo is marked defined), ``key`` (``c#`` +
  ``min`` -> ``C# minor``; none/unknown -> no key), ``genre`` (only when the annotators chose exactly one genre),
  and ``caption``, a sentence built from those labels and the instrumentation ("A house / techno loop at 124 BPM
  in C# minor, with percussion and bass."). Loops without a manual annotation carry no label.
- Split: the corpus defines none; ``hash_split(sound id)``.
- Problems: audio whose sound id has no ``metadata.json`` entry (``missing_label``), an annotation or entry without
  audio (``missing_audio``), an annotation file that is not JSON (``bad_annotation``), a key or tempo outside the
  vocabulary (``unknown_label``, the recording kept without it).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_META = "metadata.json"
_AUDIO_NAME = re.compile(r"(?P<id>\d+)_\d+\..+\.wav")
_ANNOTATION = re.compile(r"annotations/[^/]+/sound-(?P<id>\d+)\.json")
_INSTRUMENTS = ("percussion", "bass", "chords", "melody", "fx", "vocal")
_INSTRUMENT_WORDS = {"fx": "sound effects", "vocal": "vocals"}
_UNSET = {"", "none", "unknown"}


def _agreed(values: list[Any]) -> Any:
    """The one value every annotation gives (None when they differ or none gives one)."""
    distinct = {json.dumps(v, sort_keys=True) for v in values}
    return values[0] if len(distinct) == 1 else None


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def labels(annotations: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """Labels from the manual annotations of one loop, and the values that could not be mapped."""
    kept = [a for a in annotations if not a.get("discard")]
    if not kept:
        return {}, []
    meta: dict[str, Any] = {}
    unmapped: list[str] = []
    bpm = _agreed([str(a.get("bpm", "")).strip() if a.get("defined_tempo", True) else "" for a in kept])
    if bpm:
        try:
            meta["tempo"] = vocab.tempo(bpm)
        except ValueError:
            unmapped.append(f"bpm {bpm!r}")
    key = _agreed([(str(a.get("key", "")).lower(), str(a.get("mode", "")).lower()) for a in kept])
    if key and key[0] not in _UNSET and key[1] not in _UNSET:
        try:
            meta["key"] = vocab.key(f"{key[0]} {key[1]}")
        except ValueError:
            unmapped.append(f"key {key[0]!r} mode {key[1]!r}")
    genres = _agreed([sorted(a.get("genres") or []) for a in kept])
    if genres and len(genres) == 1:
        meta["genre"] = vocab.canonical("genre", genres[0])
    flags = _agreed([[bool((a.get("instrumentation") or {}).get(i)) for i in _INSTRUMENTS] for a in kept])
    parts = [_INSTRUMENT_WORDS.get(i, i) for i, on in zip(_INSTRUMENTS, flags or [], strict=False) if on]
    if meta or parts:
        caption = f"A {meta['genre']} loop" if "genre" in meta else "A music loop"
        if "tempo" in meta:
            caption += f" at {meta['tempo']:g} BPM"
        if "key" in meta:
            caption += f" in {meta['key']}"
        if parts:
            caption += f", with {_join(parts)}"
        meta["caption"] = caption + "."
    return meta, unmapped


@register
class FSL10K(Recipe):
    name = "fsl10k"
    domain = "music"
    source = ["freesound"]
    number = 166
    license = "each loop under its Freesound licence (CC0, CC-BY, CC-BY-NC), some non-commercial"
    citation = r"""@inproceedings{ramires2020fsl10k,
  title = {The {Freesound} Loop Dataset and Annotation Tool},
  author = {Ramires, Ant{\'o}nio and Font, Frederic and Bogdanov, Dmitry and Smith, Jordan B. L. and Yang, Yi-Hsuan
    and Ching, Joann and Chen, Bo-Yu and Wu, Yueh-Kao and Hsu, Wei-Han and Serra, Xavier},
  booktitle = {Proceedings of the 21st International Society for Music Information Retrieval Conference (ISMIR)},
  year = {2020}
}"""
    provides = frozenset({"tempo", "key", "genre", "caption"})

    def check_layout(self) -> list[str]:
        missing = [p for p in (_META, "audio/wav") if not self.root.exists(p)]
        if missing:
            return [f"fsl10k: no {' nor '.join(missing)} under {self.root.uri}; is this the FSL10K root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        entries: dict[str, Any] = json.loads(self.root.read_text(_META))
        wavs = self.root.find("audio/wav", ".wav")
        recordings: list[Recording] = []
        problems: list[Problem] = []
        audio_of: dict[str, str] = {}
        for audio in wavs:
            m = _AUDIO_NAME.fullmatch(posixpath.basename(audio))
            if not m or m["id"] not in entries:
                problems.append(Problem(audio, "missing_label", f"no {_META} entry for this loop"))
                continue
            audio_of[m["id"]] = audio
        annotations: dict[str, list[dict[str, Any]]] = {}
        ids = {p: m["id"] for p in self.root.find("annotations", ".json") if (m := _ANNOTATION.fullmatch(p))}
        for path, text in self.root.read_many(list(ids)):
            sound_id = ids[path]
            if sound_id not in audio_of:
                problems.append(Problem(path, "missing_audio", f"annotation of sound {sound_id}, which has no audio"))
                continue
            try:
                annotation = json.loads(text)
            except json.JSONDecodeError as e:
                problems.append(Problem(path, "bad_annotation", f"not JSON: {e}"))
                continue
            annotations.setdefault(sound_id, []).append(annotation)
        for sound_id in sorted(set(entries) - set(audio_of)):
            problems.append(Problem(f"{_META}:{sound_id}", "missing_audio", f"no audio/wav/{sound_id}_*.wav"))
        for sound_id, audio in audio_of.items():
            meta, unmapped = labels(annotations.get(sound_id, []))
            for value in unmapped:
                problems.append(Problem(audio, "unknown_label", f"{value} left out"))
            recordings.append(Recording(sound_id, audio, hash_split(sound_id), compact(meta), wavs[audio]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
