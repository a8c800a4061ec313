"""good-sounds — single notes and scales of 12 instruments played well and deliberately badly, by 15 musicians.

- Source: https://www.upf.edu/web/mtg/good-sounds (Romani Picas et al., 2015); audio https://zenodo.org/record/820937
  (``good-sounds.zip``), database as JSON https://zenodo.org/record/4588740 (``sounds.json``, ``takes.json``,
  ``packs.json``, ``ratings.json``). CC BY-SA 4.0 (as mirdata's loader lists it).
- Native layout: the four JSON files (each an object keyed by id) beside the unzipped ``good-sounds/`` folder, whose
  ``sound_files/<pack name>/<microphone>/<NNNN>.wav`` each take's ``filename`` names (relative to ``good-sounds/``).
  A sound (``instrument``, ``note``, ``octave``, ``dynamics``, ``player``, ``klass``, ``pack_id``...) has one take per
  microphone (``takes.json``: ``sound_id``, ``microphone``, ``filename``).
- Labels, one recording per take: ``instrument`` in words (``sax_alto`` -> ``sax alto``); ``pitch`` = MIDI note of
  ``note`` + ``octave`` (``C`` 4 -> 60); ``qualities`` = the ``klass`` tags in words, comma-separated (``good-sound``
  -> ``good sound``, ``bad-attack`` -> ``bad attack``): how well the note is played, which is not a playing technique,
  so this corpus fills no ``technique``.
- Recording id: ``<pack>-<microphone>-<NNNN>`` from the take's file name.
- Split: the corpus defines none; ``hash_split("sound<sound_id>")``, so the takes of one note share a split.
- Problems: a take whose sound is not in ``sounds.json`` (``bad_metadata``), a note or octave that is not a pitch
  (``bad_label``), a take whose wav is absent (``missing_audio``), a wav no take names (``missing_label``).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_AUDIO_DIR = "good-sounds"


def _midi(note: Any, octave: Any) -> int:
    pc = vocab.PITCH_CLASSES.index(vocab.pitch_class(str(note)))
    return 12 * (int(octave) + 1) + pc


@register
class GoodSounds(Recipe):
    name = "good_sounds"
    domain = "music"
    source = ["studio"]
    number = 146
    license = "CC-BY-SA-4.0"
    citation = r"""@inproceedings{romanipicas2015goodsounds,
  title = {A Real-Time System for Measuring Sound Goodness in Instrumental Sounds},
  author = {Romani Picas, Oriol and Parra Rodriguez, Hector and Dabiri, Dara and Tokuda, Hiroshi and Hariya, Wataru
    and Oishi, Koji and Serra, Xavier},
  booktitle = {Audio Engineering Society Convention 138},
  year = {2015}
}"""
    provides = frozenset({"instrument", "pitch", "qualities"})

    def check_layout(self) -> list[str]:
        missing = [f for f in ("sounds.json", "takes.json") if not self.root.exists(f)]
        if missing:
            return [f"good_sounds: no {' / '.join(missing)} under {self.root.uri}; is this the good-sounds root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        sounds: dict[str, dict[str, Any]] = json.loads(self.root.read_text("sounds.json"))
        takes: dict[str, dict[str, Any]] = json.loads(self.root.read_text("takes.json"))
        base = _AUDIO_DIR if self.root.isdir(_AUDIO_DIR) else ""
        wavs = self.root.find(posixpath.join(base, "sound_files"), ".wav")
        listed: set[str] = set()
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for take_id, take in takes.items():
            where = f"takes.json:{take_id}"
            audio = posixpath.join(base, str(take.get("filename") or ""))
            listed.add(audio)
            sound = sounds.get(str(take.get("sound_id")))
            if sound is None:
                problems.append(Problem(where, "bad_metadata", f"sound {take.get('sound_id')} is not in sounds.json"))
                continue
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{where} names it"))
                continue
            try:
                pitch = _midi(sound.get("note"), sound.get("octave"))
            except (ValueError, TypeError) as e:
                problems.append(
                    Problem(where, "bad_label", f"note {sound.get('note')!r} octave {sound.get('octave')!r}: {e}")
                )
                continue
            klass = str(sound.get("klass") or "").split()
            meta = {
                "instrument": vocab.words(sound.get("instrument") or ""),
                "pitch": pitch,
                "qualities": ", ".join(vocab.words(k.replace("-", " ")) for k in klass),
            }
            parts = audio.split("/")
            rec_id = "-".join([*parts[-3:-1], posixpath.splitext(parts[-1])[0]])
            split = hash_split(f"sound{take.get('sound_id')}")
            recordings.append(Recording(rec_id, audio, split, compact(meta), wavs[audio]))
        for audio in wavs:
            if audio not in listed:
                problems.append(Problem(audio, "missing_label", "no takes.json entry names this wav"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
