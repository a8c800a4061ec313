"""AudioMNIST — 30,000 English spoken digits 0-9, 60 speakers × 50 takes each, 48 kHz WAV.

- Source: https://github.com/soerenab/AudioMNIST (Becker et al., "Interpreting and Explaining Deep Neural Networks
  for Classification of Audio Signals", 2018). MIT licence: redistributable.
- Native layout: ``data/<speaker>/<digit>_<speaker>_<take>.wav`` and ``data/audioMNIST_meta.txt`` (a JSON object:
  speaker -> ``accent, age, gender, native speaker, origin, recordingdate, recordingroom``). The root may be the
  repository (holding ``data/``) or the ``data`` folder itself.
- Labels: from the file name the digit (and its English word as the transcript: 7 -> "seven"), the speaker
  (``vocab.speaker``: ``01`` -> ``audiomnist_01``) and the take (0-49). From the speaker's metadata entry: gender
  (``vocab.gender``); age as its group (``vocab.age_group``: 30 -> ``thirties``; written as an int for some speakers
  and a string for others; an implausible value such as speaker 45's ``1234`` -> absent); accent through
  ``vocab.accent`` after underscores become spaces and an uncertain trailing '?' is dropped (``german`` ->
  ``German``, ``Egyptian_American?`` -> ``Egyptian American``, ``Levant`` -> ``Levantine``, ``Madras`` ->
  ``Indian``). The column is the speaker's first language or origin; speaker 19 (a native speaker from Delhi)
  writes ``English``, which vocab reads as England's accent, so ``English`` takes the country of ``origin`` instead
  (India -> ``Indian``). region = ``origin`` as written (``Europe, Germany, Berlin``). ``native speaker`` and the
  recording date and room have no metadata field. A speaker missing from the metadata gets only the file-name
  labels (not an error).
- Split: the corpus defines none. Held-out speakers: ``speaker_split("audiomnist", speaker)`` (10 % dev, 10 %
  test), so no speaker crosses splits (closed-set speaker identification re-splits within speakers).
- Problems: a name that does not parse -> ``bad_filename``; a file outside its speaker's folder -> ``bad_layout``;
  an unreadable metadata file -> ``bad_metadata`` (the scan goes on without speaker labels).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register, speaker_split

_NAME = re.compile(r"^(?P<digit>[0-9])_(?P<speaker>[0-9]+)_(?P<take>[0-9]+)\.wav$")
_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_META = "audioMNIST_meta.txt"
_AGES = range(1, 121)


def _accent(value: Any, origin: Any) -> str | None:
    """The accent through vocab: underscores as spaces, an uncertain trailing '?' dropped; ``English`` (a native
    speaker's first language) as the accent of the country in ``origin`` ("Europe, India, Delhi" -> Indian)."""
    if not isinstance(value, str):
        return None
    text = value.replace("_", " ").strip().rstrip("?").strip()
    if text.lower() == "english" and isinstance(origin, str) and origin.count(",") >= 1:
        text = origin.split(",")[1].strip()
    return vocab.accent(text)


def _age(value: Any) -> str | None:
    age = int(value) if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()) else None
    return vocab.age_group(age) if age in _AGES else None


@register
class AudioMNIST(Recipe):
    name = "audiomnist"
    domain = "speech"
    source = ["studio"]
    number = 21
    license = "MIT"
    citation = r"""@article{becker2018audiomnist,
  title = {Interpreting and Explaining Deep Neural Networks for Classification of Audio Signals},
  author = {Becker, S{\"o}ren and Ackermann, Marcel and Lapuschkin, Sebastian and M{\"u}ller, Klaus-Robert and
            Samek, Wojciech},
  journal = {arXiv preprint arXiv:1807.03418},
  year = {2018}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset(
        {"transcript", "digit", "speaker", "gender", "age", "accent", "region", "language", "language_code", "take"}
    )

    def _base(self) -> str:
        return "data/" if self.root.isdir("data") else ""

    def check_layout(self) -> list[str]:
        if not self.root.exists(self._base() + _META):
            return [f"audiomnist: no data/{_META} under {self.root.uri} (nor {_META} at its top)"]
        return []

    def _speakers(self, base: str, problems: list[Problem]) -> dict[str, dict[str, Any]]:
        """speaker -> labels from audioMNIST_meta.txt; an unreadable file is a problem, not a crash."""
        if not self.root.exists(base + _META):
            return {}
        try:
            entries = json.loads(self.root.read_text(base + _META))
            if not isinstance(entries, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            problems.append(Problem(base + _META, "bad_metadata", f"unreadable speaker metadata: {exc}"))
            return {}
        speakers = {}
        for speaker, entry in entries.items():
            if not isinstance(entry, dict):
                problems.append(Problem(base + _META, "bad_metadata", f"speaker {speaker}: entry is not an object"))
                continue
            origin = entry.get("origin")
            speakers[speaker] = {
                "gender": vocab.gender(entry.get("gender", "")),
                "age": _age(entry.get("age")),
                "accent": _accent(entry.get("accent"), origin),
                "region": origin if isinstance(origin, str) else None,
            }
        return speakers

    def scan(self) -> Iterator[Recording | Problem]:
        base = self._base()
        recordings: list[Recording] = []
        problems: list[Problem] = []
        speakers = self._speakers(base, problems)
        for audio, size in self.root.find(base, ".wav").items():
            filename = posixpath.basename(audio)
            match = _NAME.match(filename)
            if match is None:
                problems.append(Problem(audio, "bad_filename", "expected {digit}_{speaker}_{take}.wav"))
                continue
            digit, speaker, take = int(match["digit"]), match["speaker"], int(match["take"])
            if posixpath.dirname(audio) != f"{base}{speaker}":
                problems.append(Problem(audio, "bad_layout", f"expected it in {base}{speaker}/"))
                continue
            meta = compact(
                {
                    "transcript": _WORDS[digit],
                    "digit": digit,
                    "speaker": vocab.speaker(self.name, speaker),
                    **speakers.get(speaker, {}),
                    "language": "English",
                    "language_code": "en",
                    "take": take,
                }
            )
            recordings.append(Recording(filename[: -len(".wav")], audio, speaker_split(self.name, speaker), meta, size))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
