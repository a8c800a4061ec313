"""NSynth — 305,979 four-second monophonic notes from 1,006 instruments, 16 kHz WAV.

- Source: https://magenta.tensorflow.org/datasets/nsynth (Engel et al., 2017), CC BY 4.0.
- Native layout: ``nsynth-{train,valid,test}/examples.json`` (one JSON object keyed by ``note_str``, each entry
  holding ``pitch``, ``velocity``, ``instrument_family_str``, ``instrument_source_str``, ``qualities_str``, ...)
  and ``nsynth-<split>/audio/<note_str>.wav``. The root may hold the ``nsynth-*`` folders or be one of them.
- Labels, in ``vocab.words``: instrument_family = ``instrument_family_str`` (bass, brass, flute, guitar, keyboard,
  mallet, organ, reed, string, synth lead, vocal); instrument_source = ``instrument_source_str`` (acoustic /
  electronic / synthetic); instrument = source and family in words, the most specific name the corpus gives
  (``acoustic keyboard``, ``electronic bass``; ``synth lead`` alone, whose source is always synthetic);
  instrument_id = ``instrument_str`` as written (``keyboard_acoustic_004``: one of the 1,006 instruments); MIDI
  pitch and velocity; qualities = ``qualities_str`` joined by commas (absent when the note has none).
- Split: the folder, as the corpus defines it: train -> train, valid -> dev, test -> test. (NSynth's train and
  valid share instruments; its test holds instruments of its own.)
- Problems: an entry whose wav is absent (``missing_audio``), a wav without an entry (``missing_label``), an
  entry without the integer pitch/velocity (``bad_metadata``).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SPLITS = {"nsynth-train": "train", "nsynth-valid": "dev", "nsynth-test": "test"}


def _instrument(source: str, family: str) -> str | None:
    """The instrument in words: source and family (``acoustic keyboard``); ``synth lead`` says its source already."""
    if not family:
        return None
    return family if not source or family.startswith("synth") else f"{source} {family}"


@register
class NSynth(Recipe):
    name = "nsynth"
    domain = "music"
    source = ["studio"]
    number = 41
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{engel2017nsynth,
  title = {Neural Audio Synthesis of Musical Notes with {WaveNet} Autoencoders},
  author = {Engel, Jesse and Resnick, Cinjon and Roberts, Adam and Dieleman, Sander and Norouzi, Mohammad and
            Eck, Douglas and Simonyan, Karen},
  booktitle = {Proceedings of the 34th International Conference on Machine Learning (ICML)},
  series = {Proceedings of Machine Learning Research},
  volume = {70},
  pages = {1068--1077},
  year = {2017}
}"""
    provides = frozenset(
        {"instrument", "instrument_family", "instrument_id", "instrument_source", "pitch", "velocity", "qualities"}
    )

    def _folders(self) -> list[tuple[str, str]]:
        """(folder relative to the root, split) for each split folder found; folder "" is the root itself."""
        if self.root.exists("examples.json"):
            split = _SPLITS.get(posixpath.basename(self.root.path.rstrip("/")))
            return [("", split)] if split else []
        return [(folder, split) for folder, split in _SPLITS.items() if self.root.exists(f"{folder}/examples.json")]

    def check_layout(self) -> list[str]:
        if self.root.exists("examples.json") and not self._folders():
            return [f"nsynth: {self.root.uri} holds examples.json but is not named nsynth-{{train,valid,test}}"]
        if not self._folders():
            return [f"nsynth: no nsynth-{{train,valid,test}}/examples.json (nor examples.json) under {self.root.uri}"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for folder, split in self._folders():
            index = posixpath.join(folder, "examples.json")
            wavs = self.root.find(posixpath.join(folder, "audio"), ".wav")
            examples: dict[str, dict[str, Any]] = json.loads(self.root.read_text(index))
            listed: set[str] = set()
            for note, entry in examples.items():
                audio = posixpath.join(folder, "audio", f"{note}.wav")
                listed.add(audio)
                if not isinstance(entry.get("pitch"), int) or not isinstance(entry.get("velocity"), int):
                    problems.append(Problem(f"{index}:{note}", "bad_metadata", "pitch and velocity must be integers"))
                    continue
                if audio not in wavs:
                    problems.append(Problem(audio, "missing_audio", f"{index} lists {note}"))
                    continue
                family = vocab.words(entry.get("instrument_family_str") or "")
                source = vocab.words(entry.get("instrument_source_str") or "")
                meta = compact(
                    {
                        "instrument": _instrument(source, family),
                        "instrument_family": family,
                        "instrument_id": entry.get("instrument_str"),
                        "instrument_source": source,
                        "pitch": entry["pitch"],
                        "velocity": entry["velocity"],
                        "qualities": ",".join(entry.get("qualities_str") or []),
                    }
                )
                recordings.append(Recording(note, audio, split, meta, wavs[audio]))
            for audio in wavs:
                if audio not in listed:
                    problems.append(Problem(audio, "missing_label", f"no {index} entry for this wav"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
