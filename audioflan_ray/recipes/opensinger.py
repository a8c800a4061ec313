"""OpenSinger — about 50 hours of Mandarin pop songs sung by 66 singers (28 male, 38 female), cut into short
utterances with their lyrics.

- Source: https://multi-singer.github.io/ (Huang et al., ACM MM 2021, "Multi-Singer"), download by Google Drive.
  Licence CC BY-NC-SA 2.0 (non-commercial; the README links the 2.0 legal code).
- Native layout: ``{ManRaw,WomanRaw}/<singer>_<song>/<singer>_<song>_<n>.{wav,txt,lab}``: ``<singer>`` is a number
  counted separately in each folder (``ManRaw/0_...`` and ``WomanRaw/0_...`` are two people), ``<song>`` the song
  title in Chinese, ``<n>`` the utterance index. Each utterance has a ``.txt`` and a ``.lab`` transcript; which of
  them holds the Chinese characters could not be established from public documents, so the lyrics are taken from
  whichever of them is written in Chinese characters (``.txt`` first).
- Labels: ``lyrics`` (whitespace collapsed); ``speaker`` =
  ``vocab.speaker("opensinger", "<ManRaw|WomanRaw>_<singer>")``; ``gender`` from the folder; ``language`` Mandarin
  Chinese.
- Split: the corpus defines none; held-out singers, ``speaker_split("opensinger", speaker)`` (singing voice
  conversion and synthesis are tested on unseen voices).
- Parts: ``ManRaw`` and ``WomanRaw``, scanned on their own.
- Problems: an utterance folder or file whose name is not ``<singer>_<song>[_<n>]`` (``bad_name``), a wav without a
  transcript in Chinese characters (``missing_label``), a transcript without its wav (``missing_audio``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register, speaker_split

_GENDERS = {"ManRaw": "male", "WomanRaw": "female"}
_HAN = re.compile(r"[\u3400-\u9fff]")
_FOLDER = re.compile(r"(?P<singer>\d+)_(?P<song>.+)")


@register
class OpenSinger(Recipe):
    name = "opensinger"
    domain = "music"
    source = ["studio"]
    number = 164
    license = "CC-BY-NC-SA-2.0"
    citation = r"""@inproceedings{huang2021multisinger,
  title = {Multi-Singer: Fast Multi-Singer Singing Voice Vocoder With A Large-Scale Corpus},
  author = {Huang, Rongjie and Chen, Feiyang and Ren, Yi and Liu, Jinglin and Cui, Chenye and Zhao, Zhou},
  booktitle = {Proceedings of the 29th ACM International Conference on Multimedia},
  pages = {3945--3954},
  year = {2021}
}"""
    provides = frozenset({"lyrics", "speaker", "gender", "language"})
    values = {"language": frozenset({"Mandarin Chinese"})}

    def check_layout(self) -> list[str]:
        if not any(self.root.isdir(folder) for folder in _GENDERS):
            return [f"opensinger: no ManRaw/ nor WomanRaw/ under {self.root.uri}; is this the OpenSinger root?"]
        return []

    def parts(self) -> list[str]:
        return [folder for folder in _GENDERS if self.root.isdir(folder)]

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        if part not in _GENDERS:
            raise ValueError(f"opensinger: unknown part {part!r}")
        files = self.root.find(part)
        wavs = {p: s for p, s in files.items() if p.endswith(".wav")}
        texts = sorted((p for p in files if p.endswith((".txt", ".lab"))), key=lambda p: (p[:-4], p.endswith(".lab")))
        lyrics: dict[str, str] = {}  # path without suffix -> lyrics, .txt before .lab
        for path, text in self.root.read_many(texts):
            stem = path[:-4]
            if stem not in lyrics and _HAN.search(text):
                lyrics[stem] = vocab.text(text)
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for audio, size in wavs.items():
            parts = audio.split("/")
            folder = _FOLDER.fullmatch(parts[1]) if len(parts) == 3 else None
            stem = posixpath.basename(audio)[:-4]
            if not folder or not stem.startswith(f"{parts[1]}_") or not stem[len(parts[1]) + 1 :].isdigit():
                problems.append(Problem(audio, "bad_name", f"expected {part}/<singer>_<song>/<singer>_<song>_<n>.wav"))
                continue
            if audio[:-4] not in lyrics:
                problems.append(Problem(audio, "missing_label", "no .txt or .lab transcript in Chinese characters"))
                continue
            speaker = vocab.speaker("opensinger", f"{part}_{folder.group('singer')}")
            meta = {
                "lyrics": lyrics[audio[:-4]],
                "speaker": speaker,
                "gender": _GENDERS[part],
                "language": "Mandarin Chinese",
            }
            rec_id = f"{part}_{stem}"
            recordings.append(Recording(rec_id, audio, speaker_split("opensinger", speaker), compact(meta), size))
        for stem in sorted({p[:-4] for p in texts} - {a[:-4] for a in wavs}):
            problems.append(Problem(f"{stem}.wav", "missing_audio", "a transcript without its wav"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
