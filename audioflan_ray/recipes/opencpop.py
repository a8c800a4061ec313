"""Opencpop — 100 Mandarin pop songs sung by one female professional singer (5.2 h), cut into 3,756 segments with
lyrics, phonemes, notes and phoneme durations; 44.1 kHz WAV.

- Source: https://wenet.org.cn/opencpop/ (Wang et al., Interspeech 2022). Licence CC BY-NC-ND 4.0 per the release's
  ``TERMS_OF_ACCESS`` (non-commercial, no derivatives; request access from the authors).
- Native layout: ``segments/wavs/<uid>.wav`` (``<uid>`` = 4-digit song id + 6-digit segment index,
  ``2001000001``), ``segments/{train,test}.txt`` (the official split) and ``segments/transcriptions.txt`` (all
  rows), one row per segment with ``|``-separated fields ``uid|text|phonemes|notes|note_durs|phone_durs|slurs``:
  space-separated per-phoneme lists (phonemes are pinyin initials and finals plus ``AP`` breath / ``SP`` pause;
  notes are ``C#4/Db4``-style names or ``rest``; durations in seconds; slur ``1`` marks one more note sung on the
  previous vowel). Song-level ``wavs/``, ``midis/`` and ``textgrids/`` are not read.
- Labels: ``lyrics`` = ``text`` (Chinese characters; ``AP``/``SP`` marks, where a row has them, removed);
  ``notes`` = one note per final (an initial starts its final's note), timed by the aligned phoneme durations, in
  the ``_notes`` format (sharps: ``D#4/Eb4`` -> ``D#4``); ``language`` Mandarin Chinese.
- Split: the official ``train.txt`` / ``test.txt`` (no dev set).
- Problems: a row without its wav (``missing_audio``), a row whose field count or list lengths disagree or whose
  note names do not parse (``bad_row``), a wav in neither list (``missing_label``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes._notes import midi_of, notes_text, syllable_notes
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SPLITS = (("train", "segments/train.txt"), ("test", "segments/test.txt"))
_SILENCES = {"AP", "SP"}


def parse_row(line: str) -> tuple[str, dict[str, str]]:
    """(uid, metadata) of one segment row; ValueError when the row is malformed."""
    fields = line.split("|")
    if len(fields) != 7:
        raise ValueError(f"{len(fields)} '|'-separated fields, expected 7 (uid|text|phonemes|notes|...)")
    uid, text, phones, notes, _note_durs, phone_durs, _slurs = (f.strip() for f in fields)
    phonemes, names, durs = phones.split(), notes.split(), phone_durs.split()
    if not len(phonemes) == len(names) == len(durs):
        raise ValueError(f"{len(phonemes)} phonemes, {len(names)} notes, {len(durs)} phone durations")
    pitches = [
        None if n == "rest" or p in _SILENCES else float(midi_of(n)) for p, n in zip(phonemes, names, strict=True)
    ]
    durations = [float(d) for d in durs]
    lyrics = vocab.text(re.sub(r"AP|SP", "", text))
    return uid, {"lyrics": lyrics, "notes": notes_text(syllable_notes(phonemes, pitches, durations))}


@register
class Opencpop(Recipe):
    name = "opencpop"
    domain = "music"
    source = ["studio"]
    number = 163
    license = "CC-BY-NC-ND-4.0"
    citation = r"""@inproceedings{wang2022opencpop,
  title = {Opencpop: A High-Quality Open Source {Chinese} Popular Song Corpus for Singing Voice Synthesis},
  author = {Wang, Yu and Wang, Xinsheng and Zhu, Pengcheng and Wu, Jie and Li, Hanzhao and Xue, Heyang and Zhang,
    Yongmao and Xie, Lei and Bi, Mengxiao},
  booktitle = {Proc. Interspeech 2022},
  year = {2022},
  eprint = {2201.07429},
  archivePrefix = {arXiv}
}"""
    provides = frozenset({"lyrics", "notes", "language"})
    values = {"language": frozenset({"Mandarin Chinese"})}

    def check_layout(self) -> list[str]:
        if not any(self.root.exists(index) for _, index in _SPLITS):
            return [
                f"opencpop: no segments/train.txt (nor segments/test.txt) under {self.root.uri}; is this the "
                "Opencpop root?"
            ]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        wavs = self.root.find("segments/wavs", ".wav")
        recordings: list[Recording] = []
        problems: list[Problem] = []
        listed: set[str] = set()
        for split, index in _SPLITS:
            if not self.root.exists(index):
                continue
            for n, line in enumerate(self.root.read_text(index).splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    uid, meta = parse_row(line)
                except ValueError as e:
                    problems.append(Problem(f"{index}:{n}", "bad_row", str(e)))
                    continue
                audio = f"segments/wavs/{uid}.wav"
                listed.add(audio)
                if audio not in wavs:
                    problems.append(Problem(audio, "missing_audio", f"{index} line {n} lists {uid}"))
                    continue
                meta["language"] = "Mandarin Chinese"
                recordings.append(Recording(uid, audio, split, compact(meta), wavs[audio]))
        for audio in wavs:
            if audio not in listed:
                name = posixpath.basename(audio)
                problems.append(Problem(audio, "missing_label", f"{name} is in neither train.txt nor test.txt"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
