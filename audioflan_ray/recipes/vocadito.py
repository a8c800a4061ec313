"""vocadito — 40 short excerpts of solo monophonic singing in 7 languages, by 29 singers of varied training,
recorded on varied devices; frame-level f0, notes from two annotators and lyrics.

- Source: https://zenodo.org/record/5578807 (Bittner et al., 2021, arXiv:2110.05580), CC BY 4.0.
- Native layout: ``Audio/vocadito_<n>.wav`` (44.1 kHz mono), ``Annotations/F0/vocadito_<n>_f0.csv`` (time, Hz),
  ``Annotations/Notes/vocadito_<n>_notesA1.csv`` and ``..._notesA2.csv`` (onset s, pitch Hz, duration s; no
  header), ``Annotations/Lyrics/vocadito_<n>_lyrics.txt`` (lines of words), and ``vocadito_metadata.csv`` with the
  header ``track_id,singer_id,average_pitch,language``.
- Labels: ``lyrics`` = the lyric file, lines joined by spaces; ``notes`` = annotator A1's notes (option
  ``annotator: A2`` for the other), pitches rounded to the nearest semitone (see ``_notes``); ``speaker`` =
  ``vocab.speaker("vocadito", singer_id)``; ``language`` from the metadata (``Catalan/Valencian`` -> Catalan,
  ``Mandarin`` -> Mandarin Chinese); an excerpt in two languages (``French+English``) or none (``none``) has no
  language label. The corpus has no beat or tempo annotation, so no beat-level labels.
- Split: the corpus defines none; held-out singers, ``speaker_split("vocadito", speaker)`` (no singer in two splits).
- Problems: a metadata row whose audio is absent (``missing_audio``), audio without a metadata row
  (``missing_label``), a missing lyric or note file (``missing_lyrics`` / ``missing_notes``: kept without that
  label), a note file that does not parse (``bad_annotation``), a language outside the vocabulary
  (``unknown_label``).
"""

from __future__ import annotations

import csv
import io
import math
import posixpath
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.errors import ConfigError
from audioflan_ray.recipes._notes import NoteEvent, notes_text
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register, speaker_split

_METADATA = "vocadito_metadata.csv"


def read_notes(text: str) -> list[NoteEvent]:
    """(onset, Hz, duration) rows -> (start, end, MIDI pitch); ValueError on a malformed row."""
    notes = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row:
            continue
        if len(row) != 3:
            raise ValueError(f"line {n}: {len(row)} columns, expected onset,pitch,duration")
        onset, hz, duration = (float(v) for v in row)
        if hz <= 0 or duration <= 0:
            raise ValueError(f"line {n}: pitch {hz} Hz, duration {duration} s")
        notes.append((onset, onset + duration, 69 + 12 * math.log2(hz / 440.0)))
    return notes


@register
class Vocadito(Recipe):
    name = "vocadito"
    domain = "music"
    # Recorded by the singers themselves on phones and home set-ups.
    source = ["crowdsourced"]
    number = 162
    license = "CC-BY-4.0"
    citation = r"""@misc{bittner2021vocadito,
  title = {vocadito: A dataset of solo vocals with $f_0$, note, and lyric annotations},
  author = {Bittner, Rachel M. and Pasalo, Katherine and Bosch, Juan Jos{\'e} and Meseguer-Brocal, Gabriel and
    Rubinstein, David},
  year = {2021},
  eprint = {2110.05580},
  archivePrefix = {arXiv}
}"""
    provides = frozenset({"lyrics", "notes", "speaker", "language"})

    def _annotator(self) -> str:
        annotator = str(self.options.get("annotator", "A1"))
        if annotator not in ("A1", "A2"):
            raise ConfigError([f"vocadito: option annotator={annotator!r} is not A1 or A2"])
        return annotator

    def check_layout(self) -> list[str]:
        try:
            self._annotator()
        except ConfigError as e:
            return e.problems
        if not self.root.exists(_METADATA):
            return [f"vocadito: no {_METADATA} under {self.root.uri}; is this the vocadito root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        annotator = self._annotator()
        wavs = self.root.find("Audio", ".wav")
        lyrics = self.root.find("Annotations/Lyrics", ".txt")
        note_files = self.root.find("Annotations/Notes", ".csv")
        recordings: list[Recording] = []
        problems: list[Problem] = []
        listed: set[str] = set()
        for row in csv.DictReader(io.StringIO(self.root.read_text(_METADATA))):
            rec_id = f"vocadito_{row['track_id'].strip()}"
            audio = f"Audio/{rec_id}.wav"
            listed.add(audio)
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{_METADATA} lists track {row['track_id']}"))
                continue
            speaker = vocab.speaker("vocadito", row["singer_id"])
            meta: dict[str, Any] = {"speaker": speaker}
            language = row["language"].strip()
            if language.lower() != "none" and "+" not in language:
                try:
                    meta["language"] = vocab.language(language)
                except ValueError:
                    problems.append(Problem(audio, "unknown_label", f"language {language!r}; left out"))
            lyric = f"Annotations/Lyrics/{rec_id}_lyrics.txt"
            if lyric in lyrics:
                meta["lyrics"] = vocab.text(self.root.read_text(lyric))
            else:
                problems.append(Problem(lyric, "missing_lyrics", f"{audio} is kept without lyrics"))
            notes_path = f"Annotations/Notes/{rec_id}_notes{annotator}.csv"
            if notes_path not in note_files:
                problems.append(Problem(notes_path, "missing_notes", f"{audio} is kept without notes"))
            else:
                try:
                    meta["notes"] = notes_text(read_notes(self.root.read_text(notes_path)))
                except ValueError as e:
                    problems.append(Problem(notes_path, "bad_annotation", f"{e}; {audio} is kept without notes"))
            split = speaker_split("vocadito", speaker)
            recordings.append(Recording(rec_id, audio, split, compact(meta), wavs[audio]))
        for audio in wavs:
            if audio not in listed:
                name = posixpath.basename(audio)
                problems.append(Problem(audio, "missing_label", f"{name} has no row in {_METADATA}"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
