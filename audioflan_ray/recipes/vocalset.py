"""VocalSet — 10.1 hours of 20 professional singers (9 female, 11 male) singing vowels in 17 techniques.

- Source: https://zenodo.org/record/1442513 (Wilkins et al., ISMIR 2018), CC BY 4.0.
- Native layout (the unzipped release): ``FULL/<singer>/<context>/<technique>/<file>.wav`` with singers
  ``female1``-``female9`` and ``male1``-``male11``, contexts ``arpeggios``, ``scales``, ``long_tones``, ``excerpts``
  and files named ``<f|m><n>_<context>_<technique>_<vowel>.wav`` (``f3_arpeggios_vocal_fry_a.wav``; a few files
  omit parts of that name, so the labels are read from the folders). Beside ``FULL/``: ``readme-anon.txt``,
  ``train_singers_technique.txt`` and ``test_singers_technique.txt`` (one singer folder name per line: the singer
  split of the authors' technique classifier) and ``DataSetVocalises.pdf``. The zip's ``__MACOSX/`` is not read.
- Labels: ``technique`` through ``vocab.technique`` (``vocal_fry`` -> ``vocal fry``, ``messa`` -> ``messa di voce``,
  ``pp`` -> ``pianissimo``); ``speaker`` = ``vocab.speaker("vocalset", <singer folder>)``; ``gender`` from the singer
  folder (``female``/``male``); ``instrument`` = ``voice`` (a sung voice, which the vocal technique task asks for).
- Split: the official singer lists (train / test; no dev); a singer in neither list, or a copy without the lists,
  falls back to ``speaker_split`` (held-out singers).
- Problems: a wav not at ``FULL/<singer>/<context>/<technique>/`` or an AppleDouble ``._*`` file (``bad_layout``), a
  singer folder that is not ``female<n>``/``male<n>`` or a technique outside the vocabulary (``bad_label``), a second
  file of a singer with the same name (``duplicate``).
- Recording id: ``<singer>_<file stem>`` (``female3_f3_arpeggios_vocal_fry_a``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register, speaker_split

_SPLIT_FILES = {"train": "train_singers_technique.txt", "test": "test_singers_technique.txt"}


@register
class VocalSet(Recipe):
    name = "vocalset"
    domain = "music"
    source = ["studio"]
    number = 144
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{wilkins2018vocalset,
  title = {{VocalSet}: A Singing Voice Dataset},
  author = {Wilkins, Julia and Seetharaman, Prem and Wahl, Alison and Pardo, Bryan},
  booktitle = {Proceedings of the 19th International Society for Music Information Retrieval Conference (ISMIR)},
  year = {2018}
}"""
    provides = frozenset({"technique", "speaker", "gender", "instrument"})
    values = {"instrument": frozenset({"voice"})}

    def check_layout(self) -> list[str]:
        if not self.root.isdir("FULL"):
            return [f"vocalset: no FULL/ (FULL/<singer>/<context>/<technique>/*.wav) under {self.root.uri}"]
        return []

    def parts(self) -> list[str]:
        return self.root.ls_dirs("FULL") if self.root.isdir("FULL") else []

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def _singer_splits(self) -> dict[str, str]:
        out = {}
        for split, name in _SPLIT_FILES.items():
            if self.root.exists(name):
                out.update({line.strip(): split for line in self.root.read_text(name).splitlines() if line.strip()})
        return out

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        if part not in self.parts():
            raise ValueError(f"{self.name}: unknown part {part!r}")
        splits = self._singer_splits()
        recordings: list[Recording] = []
        problems: list[Problem] = []
        seen: dict[str, str] = {}
        m = re.fullmatch(r"(female|male)(\d+)", part)
        for audio, size in self.root.find(f"FULL/{part}", ".wav").items():
            parts = audio.split("/")
            if len(parts) != 5 or parts[-1].startswith("._"):
                problems.append(Problem(audio, "bad_layout", "expected FULL/<singer>/<context>/<technique>/*.wav"))
                continue
            if m is None:
                problems.append(Problem(audio, "bad_label", f"singer folder {part!r} is not female<n> or male<n>"))
                continue
            try:
                technique = vocab.technique(parts[3])
            except ValueError as e:
                problems.append(Problem(audio, "bad_label", str(e)))
                continue
            speaker = vocab.speaker(self.name, part)
            meta = {
                "technique": technique,
                "speaker": speaker,
                "gender": vocab.gender(m.group(1)),
                "instrument": "voice",
            }
            rec_id = f"{part}_{posixpath.splitext(parts[4])[0]}"
            if rec_id in seen:
                problems.append(Problem(audio, "duplicate", f"{rec_id} is already {seen[rec_id]}"))
                continue
            seen[rec_id] = audio
            split = splits.get(part) or speaker_split(self.name, part)
            recordings.append(Recording(rec_id, audio, split, compact(meta), size))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
