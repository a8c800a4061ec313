"""CREMA-D — 7,442 clips of 91 actors saying 12 sentences in 6 emotions (Crowd-sourced Emotional Multimodal Actors).

- Source: https://github.com/CheyneyComputerScience/CREMA-D (Cao et al., "CREMA-D: Crowd-sourced Emotional
  Multimodal Actors Dataset", IEEE Trans. Affective Computing 2014). Open Database License (ODbL 1.0); the
  contents (the clips) under the Database Contents License (DbCL 1.0): redistributable with attribution.
- Native layout: ``AudioWAV/{ActorID}_{Sentence}_{Emotion}_{Level}.wav`` (16 kHz mono WAV), ``SentenceFilenames.csv``
  (``Stimulus_Number,Filename``: every clip's name without ``.wav``), ``VideoDemographics.csv`` (``ActorID,Age,
  Sex,Race,Ethnicity``). ``AudioMP3/`` and ``processedResults/`` are not read: the MP3s duplicate the WAVs, and
  the crowd's perceived labels have no metadata field.
- Labels, from the file name: the sentence code (``IEO`` ...) gives the transcript from the table below (the
  CREMA-D README's) and is the ``parallel_id`` (every actor says the same 12 sentences); the emotion code as
  ``vocab.emotion``'s adjective (ANG angry, DIS disgusted, FEA fearful, HAP happy, NEU neutral, SAD sad); the
  level LO/MD/HI as low/medium/high, and ``XX`` ("unspecified") as no intensity. The actor id is the speaker
  (``vocab.speaker``: ``1001`` -> ``crema_d_1001``); ``VideoDemographics.csv`` gives gender (``Sex`` through
  ``vocab.gender``) and age as its group (51 -> ``fifties``); an actor absent from it gets neither (not an
  error). Race and ethnicity have no metadata field.
- Split: the corpus defines none. Held-out speakers: ``speaker_split("crema_d", actor id)`` (10 % dev, 10 % test),
  so no actor crosses splits (closed-set speaker identification re-splits within speakers).
- ``SentenceFilenames.csv`` is optional (some copies ship only ``AudioWAV/``); when present it is the listing: a
  row without its clip -> ``missing_audio``, a clip it does not list -> ``unlisted``. A clip whose name does not
  parse, or names an unknown code -> ``bad_filename``.
"""

from __future__ import annotations

import csv
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register, speaker_split

SENTENCES = {
    "IEO": "It's eleven o'clock",
    "TIE": "That is exactly what happened",
    "IOM": "I'm on my way to the meeting",
    "IWW": "I wonder what this is about",
    "TAI": "The airplane is almost full",
    "MTI": "Maybe tomorrow it will be cold",
    "IWL": "I would like a new alarm clock",
    "ITH": "I think I have a doctor's appointment",
    "DFA": "Don't forget a jacket",
    "ITS": "I think I've seen this before",
    "TSI": "The surface is slick",
    "WSI": "We'll stop in a couple of minutes",
}
EMOTIONS = {code: vocab.emotion(code) for code in ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")}
LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": None}

_NAME = re.compile(r"^(?P<actor>[0-9]{4})_(?P<sentence>[A-Z]{3})_(?P<emotion>[A-Z]{3})_(?P<level>[A-Z]{2})\.wav$")
_LISTING = "SentenceFilenames.csv"
_DEMOGRAPHICS = "VideoDemographics.csv"


@register
class CremaD(Recipe):
    name = "crema_d"
    domain = "speech"
    source = ["acted"]
    number = 16
    license = "ODbL-1.0"
    citation = r"""@article{cao2014cremad,
  title = {{CREMA-D}: Crowd-sourced Emotional Multimodal Actors Dataset},
  author = {Cao, Houwei and Cooper, David G. and Keutmann, Michael K. and Gur, Ruben C. and Nenkova, Ani and
            Verma, Ragini},
  journal = {IEEE Transactions on Affective Computing},
  volume = {5},
  number = {4},
  pages = {377--390},
  year = {2014},
  doi = {10.1109/TAFFC.2014.2336244}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset(
        {"transcript", "speaker", "gender", "age", "emotion", "intensity", "language", "language_code", "parallel_id"}
    )

    def check_layout(self) -> list[str]:
        if not self.root.exists_glob("AudioWAV/*.wav"):
            return [f"crema_d: no AudioWAV/*.wav under {self.root.uri}"]
        return []

    def _actors(self) -> dict[str, dict[str, Any]]:
        """ActorID -> gender and age from VideoDemographics.csv (empty when the file is absent)."""
        if not self.root.exists(_DEMOGRAPHICS):
            return {}
        actors = {}
        for row in csv.DictReader(self.root.read_text(_DEMOGRAPHICS, "utf-8-sig").splitlines()):
            actor = (row.get("ActorID") or "").strip()
            age = (row.get("Age") or "").strip()
            actors[actor] = {
                "gender": vocab.gender(row.get("Sex") or ""),
                "age": vocab.age_group(age) if age.isdigit() else None,
            }
        return actors

    def _listed(self) -> set[str] | None:
        """Clip names (without .wav) that SentenceFilenames.csv lists, or None when it is absent."""
        if not self.root.exists(_LISTING):
            return None
        rows = csv.DictReader(self.root.read_text(_LISTING, "utf-8-sig").splitlines())
        return {name for name in ((row.get("Filename") or "").strip() for row in rows) if name}

    def scan(self) -> Iterator[Recording | Problem]:
        actors = self._actors()
        listed = self._listed()
        wavs = self.root.find("AudioWAV", ".wav")
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for audio, size in wavs.items():
            match = _NAME.match(posixpath.basename(audio))
            if (
                match is None
                or posixpath.dirname(audio) != "AudioWAV"
                or match["sentence"] not in SENTENCES
                or match["emotion"] not in EMOTIONS
                or match["level"] not in LEVELS
            ):
                problems.append(
                    Problem(audio, "bad_filename", "expected AudioWAV/{actor}_{sentence}_{emotion}_{level}.wav")
                )
                continue
            rec_id = posixpath.basename(audio)[: -len(".wav")]
            if listed is not None and rec_id not in listed:
                problems.append(Problem(audio, "unlisted", f"{_LISTING} does not list {rec_id}"))
                continue
            actor = match["actor"]
            meta = compact(
                {
                    "transcript": SENTENCES[match["sentence"]],
                    "speaker": vocab.speaker(self.name, actor),
                    **actors.get(actor, {}),
                    "emotion": EMOTIONS[match["emotion"]],
                    "intensity": LEVELS[match["level"]],
                    "language": "English",
                    "language_code": "en",
                    "parallel_id": match["sentence"],
                }
            )
            recordings.append(Recording(rec_id, audio, speaker_split(self.name, actor), meta, size))
        for name in sorted(listed or ()):
            if f"AudioWAV/{name}.wav" not in wavs:
                problems.append(Problem(f"AudioWAV/{name}.wav", "missing_audio", f"{_LISTING} lists {name}"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
