"""GuitarSet — 360 excerpts (about 30 s each) of acoustic guitar, with beats, chords, key, tempo and notes.

- Source: https://guitarset.weebly.com/ and https://zenodo.org/record/3371780 (v1.1.0; Xi et al., ISMIR 2018),
  CC BY 4.0.
- Native layout: ``annotation/<id>.jams`` (one JAMS file per excerpt) and four audio folders with the same stem:
  ``audio_mono-mic/<id>_mic.wav`` (reference microphone, 44.1 kHz mono), ``audio_mono-pickup_mix/<id>_mix.wav``
  (mono down-mix of the hexaphonic pickup), ``audio_hex-pickup_original/<id>_hex.wav`` and
  ``audio_hex-pickup_debleeded/<id>_hex_cln.wav`` (six channels, one per string). ``<id>`` is
  ``<player>_<style><progression>-<bpm>-<key>_<comp|solo>``, e.g. ``03_BN3-119-G_solo``.
- Audio: the microphone recording (option ``audio: mix`` takes the pickup down-mix instead); the six-channel
  files are not recordings of their own.
- Labels, read from the JAMS file as plain JSON (annotations by ``namespace``):
  ``beats`` = the ``beat_position`` times; ``tempo`` = the ``tempo`` annotation (BPM); ``key`` = ``key_mode``
  (``G:major`` -> ``G major``; a mode that is not major/minor is reported and left out); ``chords`` = the second
  ``chord`` annotation, the chords as performed (inferred from the played notes, the first one being the lead
  sheet the player read), Harte syntax as written (``G:maj7/1``); ``progression`` = the lead-sheet chords as
  scale degrees of the key (``I-vi-IV-V``: upper case for major and dominant chords, lower case for minor,
  ``°``/``ø`` for (half-)diminished, ``b``/``#`` for roots outside the key's scale, repeated chords once);
  ``genre`` = the style in the file name (``BN`` bossa nova, ``SS`` singer-songwriter, ``Jazz``, ``Rock``,
  ``Funk``).
- Split: the corpus defines none; ``hash_split(recording_id)``.
- Problems: a JAMS file without its audio (``missing_audio``), audio without a JAMS file (``missing_label``), a
  file name outside the pattern (``bad_name``), a JAMS file that is not JSON (``bad_annotation``), a key or chord
  outside the vocabulary (``unknown_label``: the recording is kept without that label).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.errors import ConfigError
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_AUDIO = {"mic": ("audio_mono-mic", "_mic.wav"), "mix": ("audio_mono-pickup_mix", "_mix.wav")}
_NAME = re.compile(r"(?P<player>\d\d)_(?P<style>BN|SS|Jazz|Rock|Funk)[1-3]-\d+-[A-G][b#]?m?_(comp|solo)")
_STYLES = {"BN": "bossa nova", "SS": "singer-songwriter", "Jazz": "jazz", "Rock": "rock", "Funk": "funk"}

# Scale degrees (semitones above the tonic) of the major and natural minor scales, as Roman numerals.
_DEGREES = {
    "major": {0: "I", 2: "II", 4: "III", 5: "IV", 7: "V", 9: "VI", 11: "VII"},
    "minor": {0: "I", 2: "II", 3: "III", 5: "IV", 7: "V", 8: "VI", 10: "VII"},
}
_HARTE = re.compile(r"(?P<root>[A-G][#b]*)(?::(?P<quality>[^/]*))?(?:/(?P<bass>.+))?")


def _numeral(chord: str, tonic: int, mode: str) -> str:
    """A Harte chord (``A:min7``) as a scale degree of the key (``vi``); ``N`` (no chord) -> ""."""
    if chord in ("N", "X"):
        return ""
    m = _HARTE.fullmatch(chord)
    if not m:
        raise ValueError(f"chord {chord!r} is not in Harte syntax")
    interval = (vocab.PITCH_CLASSES.index(vocab.pitch_class(m.group("root"))) - tonic) % 12
    degrees = _DEGREES[mode]
    if interval in degrees:
        numeral = degrees[interval]
    elif (interval + 1) % 12 in degrees:
        numeral = "b" + degrees[(interval + 1) % 12]
    else:
        numeral = "#" + degrees[(interval - 1) % 12]
    quality = (m.group("quality") or "maj").split("(")[0]
    if quality.startswith("hdim"):
        return numeral.lower() + "ø"
    if quality.startswith("dim"):
        return numeral.lower() + "°"
    if quality.startswith("min"):
        return numeral.lower()
    return numeral


def progression(chords: list[str], key: str) -> str:
    """Lead-sheet chords as scale degrees of ``key`` (``G major``), a chord repeated in a row written once."""
    tonic_name, mode = key.split(" ")
    tonic = vocab.PITCH_CLASSES.index(tonic_name)
    out: list[str] = []
    for chord in chords:
        numeral = _numeral(chord, tonic, mode)
        if numeral and (not out or out[-1] != numeral):
            out.append(numeral)
    return "-".join(out)


def _by_namespace(jams: dict[str, Any], namespace: str) -> list[list[dict[str, Any]]]:
    """The observations of every annotation of ``namespace``, in file order (JAMS lists or column dicts)."""
    out = []
    for ann in jams.get("annotations") or []:
        if ann.get("namespace") != namespace:
            continue
        data = ann.get("data") or []
        if isinstance(data, dict):  # JAMS's dense (column-wise) form
            keys = list(data)
            data = [dict(zip(keys, row, strict=True)) for row in zip(*(data[k] for k in keys), strict=True)]
        out.append(data)
    return out


@register
class GuitarSet(Recipe):
    name = "guitarset"
    domain = "music"
    source = ["studio"]
    number = 160
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{xi2018guitarset,
  title = {{GuitarSet}: A Dataset for Guitar Transcription},
  author = {Xi, Qingyang and Bittner, Rachel M. and Pauwels, Johan and Ye, Xuzhou and Bello, Juan Pablo},
  booktitle = {Proceedings of the 19th International Society for Music Information Retrieval Conference (ISMIR)},
  year = {2018}
}"""
    provides = frozenset({"beats", "tempo", "key", "chords", "progression", "genre"})

    def _audio_kind(self) -> tuple[str, str]:
        kind = str(self.options.get("audio", "mic"))
        if kind not in _AUDIO:
            raise ConfigError([f"guitarset: option audio={kind!r} is not one of {sorted(_AUDIO)}"])
        return _AUDIO[kind]

    def check_layout(self) -> list[str]:
        try:
            folder, _ = self._audio_kind()
        except ConfigError as e:
            return e.problems
        missing = [f"{d}/" for d in ("annotation", folder) if not self.root.isdir(d)]
        if missing:
            return [f"guitarset: no {' nor '.join(missing)} under {self.root.uri}; is this the GuitarSet root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        folder, suffix = self._audio_kind()
        jams_files = self.root.find("annotation", ".jams")
        wavs = self.root.find(folder, suffix)
        recordings: list[Recording] = []
        problems: list[Problem] = []
        listed: set[str] = set()
        for path, text in self.root.read_many(sorted(jams_files)):
            rec_id = posixpath.basename(path)[: -len(".jams")]
            audio = f"{folder}/{rec_id}{suffix}"
            listed.add(audio)
            name = _NAME.fullmatch(rec_id)
            if not name:
                problems.append(Problem(path, "bad_name", "expected <player>_<style><1-3>-<bpm>-<key>_<comp|solo>"))
                continue
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{path} has no {folder}/ recording"))
                continue
            try:
                jams = json.loads(text)
            except json.JSONDecodeError as e:
                problems.append(Problem(path, "bad_annotation", f"not JSON: {e}"))
                continue
            meta, label_problems = self._labels(jams, path)
            problems.extend(label_problems)
            meta["genre"] = vocab.canonical("genre", _STYLES[name.group("style")])
            recordings.append(Recording(rec_id, audio, hash_split(rec_id), compact(meta), wavs[audio]))
        for audio in wavs:
            if audio not in listed:
                problems.append(Problem(audio, "missing_label", "no annotation/<id>.jams for this recording"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    @staticmethod
    def _labels(jams: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
        meta: dict[str, Any] = {}
        problems: list[Problem] = []
        beats = _by_namespace(jams, "beat_position")
        if beats and beats[0]:
            meta["beats"] = ", ".join(f"{float(b['time']):.2f}" for b in beats[0])
        tempo = _by_namespace(jams, "tempo")
        if tempo and tempo[0]:
            meta["tempo"] = vocab.canonical("tempo", tempo[0][0]["value"])
        keys = _by_namespace(jams, "key_mode")
        key_values = {str(k["value"]) for k in keys[0]} if keys else set()
        if len(key_values) == 1:  # a key change would make one key label false for part of the excerpt
            value = key_values.pop()
            try:
                meta["key"] = vocab.key(value)
            except ValueError:
                problems.append(Problem(path, "unknown_label", f"key_mode {value!r} is not major or minor; left out"))
        chords = _by_namespace(jams, "chord")
        if len(chords) > 1 and chords[1]:
            meta["chords"] = ", ".join(
                f"{float(c['time']):.2f}-{float(c['time']) + float(c['duration']):.2f} {c['value']}" for c in chords[1]
            )
        if chords and chords[0] and "key" in meta:
            try:
                meta["progression"] = progression([str(c["value"]) for c in chords[0]], meta["key"])
            except ValueError as e:
                problems.append(Problem(path, "unknown_label", f"lead-sheet chords: {e}; progression left out"))
        return meta, problems
