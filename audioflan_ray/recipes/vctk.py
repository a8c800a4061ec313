"""CSTR VCTK Corpus — 109/110 English speakers with various accents, each reading about 400 newspaper sentences.

- Source: https://datashare.ed.ac.uk/handle/10283/3443 (0.92, CC BY 4.0); 0.80 was released under ODC-By 1.0.
- Native layout, either release (the root may be the ``VCTK-Corpus`` folder itself or its parent):
  - 0.80: ``wav48/pXXX/pXXX_NNN.wav`` (48 kHz WAV) and ``txt/pXXX/pXXX_NNN.txt``;
  - 0.92: ``wav48_silence_trimmed/pXXX/pXXX_NNN_mic{1,2}.flac`` and the same ``txt/``. Only ``mic1`` (the
    omni-directional DPA 4035) is used, so that each utterance is one recording; if both releases are present the
    0.92 flacs win.
  - ``speaker-info.txt``: a header line, then whitespace-aligned rows ``ID AGE GENDER ACCENTS REGION``; ids are
    written without the ``p`` in 0.80 and with it in 0.92; REGION may hold spaces (column padding is collapsed to
    one space), may be empty, and a trailing ``(comment)`` is dropped.
- Labels: the transcript is the txt file stripped of whitespace, and of one pair of surrounding double quotes (a
  few files quote the whole sentence, which is not part of what is said). Speaker ``vocab.speaker``'s
  ``vctk_pXXX``; gender ``F``/``M`` through ``vocab.gender``; age as its group (``vocab.age_group``: 23 ->
  ``twenties``); accent through ``vocab.accent`` (``NorthernIrish`` -> ``Northern Irish``, ``English``, which
  means England here, -> ``English (England)``); ``Unknown`` -> absent; region as written with CamelCase split.
- Split: the corpus defines none. Held-out speakers: ``speaker_split("vctk", speaker)`` (10 % dev, 10 % test), so
  no speaker crosses splits (closed-set speaker identification re-splits within speakers).
- Problems: audio without a txt (e.g. p315 in 0.80 has none) -> ``missing_transcript``; a txt without audio ->
  ``missing_audio``; an empty txt -> ``empty_transcript``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register, speaker_split

_AUDIO_DIRS = (("wav48_silence_trimmed", "_mic1.flac"), ("wav48", ".wav"))


def _words(value: str) -> str | None:
    """'NorthernIrish' -> 'Northern Irish'; 'Unknown' (the corpus's own placeholder) -> None."""
    if value.lower() == "unknown":
        return None
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value)


@register
class VCTK(Recipe):
    name = "vctk"
    domain = "speech"
    source = ["studio"]
    number = 12
    license = "CC-BY-4.0"
    citation = r"""@misc{yamagishi2019vctk,
  title = {{CSTR VCTK} Corpus: English Multi-speaker Corpus for {CSTR} Voice Cloning Toolkit (version 0.92)},
  author = {Yamagishi, Junichi and Veaux, Christophe and MacDonald, Kirsten},
  publisher = {University of Edinburgh. The Centre for Speech Technology Research (CSTR)},
  year = {2019},
  doi = {10.7488/ds/2645}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset({"transcript", "speaker", "gender", "age", "accent", "region", "language", "language_code"})

    def _base(self) -> str:
        return "VCTK-Corpus/" if self.root.isdir("VCTK-Corpus") else ""

    def check_layout(self) -> list[str]:
        base = self._base()
        if not self.root.isdir(base + "txt") or not any(self.root.isdir(base + d) for d, _ in _AUDIO_DIRS):
            return [
                f"vctk: no txt/ with wav48/ or wav48_silence_trimmed/ under {self.root.uri} (nor under VCTK-Corpus/)"
            ]
        return []

    def _speakers(self, base: str) -> dict[str, dict[str, Any]]:
        """pXXX -> speaker labels from speaker-info.txt (empty when the file is absent)."""
        if not self.root.exists(base + "speaker-info.txt"):
            return {}
        speakers = {}
        for line in self.root.read_text(base + "speaker-info.txt").splitlines():
            region_part = re.sub(r"\(.*\)\s*$", "", line)  # 0.92 appends "(comment)" to a few rows
            cols = region_part.split()
            if len(cols) < 4 or cols[0] == "ID" or not cols[1].isdigit():
                continue
            speaker = f"p{cols[0]}" if cols[0].isdigit() else cols[0]  # 0.80 "225"; 0.92 "p225" (and "s5")
            speakers[speaker] = {
                "age": vocab.age_group(cols[1]),
                "gender": vocab.gender(cols[2]),
                "accent": vocab.accent(cols[3]),
                "region": _words(" ".join(cols[4:])) if cols[4:] else None,
            }
        return speakers

    def scan(self) -> Iterator[Recording | Problem]:
        base = self._base()
        speakers = self._speakers(base)
        audio_by_id: dict[str, tuple[str, int]] = {}
        for folder, suffix in _AUDIO_DIRS:  # 0.92 first, so that it wins
            for path, size in self.root.find(base + folder, suffix).items():
                audio_by_id.setdefault(posixpath.basename(path)[: -len(suffix)], (path, size))
        texts = {posixpath.basename(p)[: -len(".txt")]: p for p in self.root.find(base + "txt", ".txt")}
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for rec_id, (audio, size) in audio_by_id.items():
            if rec_id not in texts:
                problems.append(Problem(audio, "missing_transcript", f"no txt/{rec_id.split('_')[0]}/{rec_id}.txt"))
                continue
            text = self.root.read_text(texts[rec_id]).strip()
            if len(text) >= 2 and text[0] == text[-1] == '"':
                text = text[1:-1].strip()
            if not text:
                problems.append(Problem(texts[rec_id], "empty_transcript", "the transcript file is empty"))
                continue
            speaker = rec_id.split("_")[0]
            meta = compact(
                {
                    "transcript": vocab.text(text),
                    "speaker": vocab.speaker(self.name, speaker),
                    **speakers.get(speaker, {}),
                    "language": "English",
                    "language_code": "en",
                }
            )
            recordings.append(Recording(rec_id, audio, speaker_split(self.name, speaker), meta, size))
        for rec_id, path in texts.items():
            if rec_id not in audio_by_id:
                problems.append(Problem(path, "missing_audio", f"transcript {rec_id} has no audio file"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
