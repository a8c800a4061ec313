"""CSD (Children's Song Dataset) — 100 children's songs (50 English, 50 Korean), each sung in two keys by one
female professional singer: 200 recordings, 44.1 kHz 16-bit mono WAV, with MIDI and lyrics.

- Source: https://zenodo.org/record/4785016 (Choi et al., ISMIR 2020 LBD); description and checking code in
  https://github.com/emotiontts/emotiontts_open_db/tree/master/Dataset/CSD. Licence CC BY-NC-SA 4.0
  (non-commercial).
- Native layout: ``{english,korean}/{wav,mid,lyric,txt,csv}/<id>.{wav,mid,txt,txt,csv}`` plus
  ``{english,korean}/metadata.json``; ``<id>`` is ``en001a``/``kr001b`` (song number, then ``a``/``b`` for the key).
  ``lyric/<id>.txt`` holds the lyrics as written (graphemes), ``txt/<id>.txt`` one phoneme syllable per note
  (``t_w_i_ng``), ``csv/<id>.csv`` one row per note with the header ``start,end,pitch,syllable`` (seconds, MIDI
  pitch, the note's phoneme syllable), ``mid/<id>.mid`` the same notes on the song's tempo grid.
- Labels: ``lyrics`` = the lyric file, whitespace collapsed; ``notes`` = the csv notes (see ``_notes``);
  ``beat_pitches`` = the csv notes per beat, the beats being the MIDI file's tempo grid from time 0 (the MIDI notes
  are aligned with the recording, so its grid is the recording's); ``language`` from the folder; ``genre`` is
  children's music for every song (the corpus's one genre). ``metadata.json`` is not read: the tempo it holds is
  the MIDI file's.
- Split: the corpus defines none; ``hash_split("<language>/<song number>")``, so that the two keys of a song share
  a split.
- Problems: a wav without its csv (``missing_label``), a csv without its wav (``missing_audio``), a missing lyric
  file (``missing_lyrics``: the recording is kept without lyrics), a csv that does not parse (``bad_annotation``:
  kept without notes), a missing or unreadable MIDI file (``bad_midi``: kept without beat pitches).
"""

from __future__ import annotations

import csv
import io
import posixpath
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes._midi import MidiError, read_midi
from audioflan_ray.recipes._notes import NoteEvent, beat_pitches, notes_text
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_LANGUAGES = {"english": "English", "korean": "Korean"}
_HEADER = ["start", "end", "pitch", "syllable"]


def read_notes(text: str) -> list[NoteEvent]:
    """The notes of a CSD csv file (``start,end,pitch,syllable``); ValueError when a row or the header is wrong."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != _HEADER:
        raise ValueError(f"header is not {','.join(_HEADER)}")
    notes = []
    for n, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 4:
            raise ValueError(f"line {n}: {len(row)} columns, expected 4")
        start, end, pitch = float(row[0]), float(row[1]), int(row[2])
        if end <= start:
            raise ValueError(f"line {n}: note ends at {end} before it starts at {start}")
        notes.append((start, end, float(pitch)))
    return notes


@register
class CSD(Recipe):
    name = "csd"
    domain = "music"
    source = ["studio"]
    number = 161
    license = "CC-BY-NC-SA-4.0"
    citation = r"""@inproceedings{choi2020csd,
  title = {Children's Song Dataset for Singing Voice Research},
  author = {Choi, Soonbeom and Kim, Wonil and Park, Saebyul and Yong, Sangeon and Nam, Juhan},
  booktitle = {Late-Breaking Demo of the 21st International Society for Music Information Retrieval Conference (ISMIR)},
  year = {2020}
}"""
    provides = frozenset({"lyrics", "notes", "beat_pitches", "language", "genre"})
    values = {"genre": frozenset({"children's music"}), "language": frozenset(_LANGUAGES.values())}

    def check_layout(self) -> list[str]:
        if not any(self.root.isdir(f"{lang}/wav") for lang in _LANGUAGES):
            return [f"csd: no english/wav/ nor korean/wav/ under {self.root.uri}; is this the CSD root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for lang, language in _LANGUAGES.items():
            wavs = self.root.find(f"{lang}/wav", ".wav")
            csvs = self.root.find(f"{lang}/csv", ".csv")
            lyrics = self.root.find(f"{lang}/lyric", ".txt")
            mids = self.root.find(f"{lang}/mid", ".mid")
            ids = {posixpath.basename(p)[:-4] for p in [*wavs, *csvs]}
            for rec_id in sorted(ids):
                audio, index = f"{lang}/wav/{rec_id}.wav", f"{lang}/csv/{rec_id}.csv"
                if audio not in wavs:
                    problems.append(Problem(index, "missing_audio", f"no {audio}"))
                    continue
                if index not in csvs:
                    problems.append(Problem(audio, "missing_label", f"no {index}"))
                    continue
                meta: dict[str, Any] = {"language": language, "genre": "children's music"}
                lyric = f"{lang}/lyric/{rec_id}.txt"
                if lyric in lyrics:
                    meta["lyrics"] = vocab.text(self.root.read_text(lyric))
                else:
                    problems.append(Problem(lyric, "missing_lyrics", f"{audio} is kept without lyrics"))
                try:
                    notes = read_notes(self.root.read_text(index))
                except ValueError as e:
                    problems.append(Problem(index, "bad_annotation", f"{e}; {audio} is kept without notes"))
                    notes = []
                if notes:
                    meta["notes"] = notes_text(notes)
                    meta["beat_pitches"] = self._beat_pitches(lang, rec_id, notes, mids, problems)
                song = rec_id.rstrip("ab")
                recordings.append(Recording(rec_id, audio, hash_split(f"{lang}/{song}"), compact(meta), wavs[audio]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    def _beat_pitches(
        self, lang: str, rec_id: str, notes: list[NoteEvent], mids: dict[str, int], problems: list[Problem]
    ) -> str | None:
        path = f"{lang}/mid/{rec_id}.mid"
        if path not in mids:
            problems.append(Problem(path, "bad_midi", "no MIDI file: the recording is kept without beat pitches"))
            return None
        try:
            midi = read_midi(self.root.read_bytes(path))
        except MidiError as e:
            problems.append(Problem(path, "bad_midi", f"{e}: the recording is kept without beat pitches"))
            return None
        return beat_pitches(notes, midi.beat_times(max(end for _, end, _ in notes))) or None
