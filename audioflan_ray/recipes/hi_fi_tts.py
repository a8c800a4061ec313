"""Hi-Fi Multi-Speaker English TTS (Hi-Fi TTS) — 10 LibriVox readers, at least 17 h each, 44.1 kHz FLAC.

- Source: https://www.openslr.org/109 (CC BY 4.0); Bakhturina et al., "Hi-Fi Multi-Speaker English TTS Dataset",
  2021 (arXiv 2104.01497).
- Native layout (``hi_fi_tts_v0.tar.gz``; the root may be ``hi_fi_tts_v0/`` or its parent):
  ``audio/<speaker>_<clean|other>/<book id>/<name>.flac`` and NeMo JSON-lines manifests
  ``<speaker>_manifest_<clean|other>_<train|dev|test>.json``, one object per line: ``audio_filepath`` (relative to
  the release folder), ``duration``, ``text`` (lower case, no punctuation), ``text_no_preprocessing`` (the book's
  text), ``text_normalized`` (numbers and abbreviations spelled out, punctuation kept). ``clean``/``other`` is the
  paper's audio-quality group of a reader's books (by SNR and bandwidth); it is not a label here.
- Labels: transcript = ``text_normalized`` (``text`` when absent), raw_transcript = ``text_no_preprocessing``;
  speaker ``hi_fi_tts_<LibriVox id>``; gender from the paper's reader table (92, 8051, 9136, 11614, 11697, 12787
  female; 6097, 6670, 6671, 9017 male), absent for any other id; English.
- Recording id: the path under ``audio/`` without extension, ``/`` -> ``_`` (``92_clean_10425_<name>``): file names
  repeat across readers of the same book.
- Split: the manifest's ``train`` / ``dev`` / ``test`` (official).
- Problems: a manifest line that is not a JSON object with ``audio_filepath`` and text (``bad_row``), a line whose
  flac is absent (``missing_audio``), a flac under ``audio/`` that no manifest lists (``missing_transcript``).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from functools import cached_property

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_MANIFEST = re.compile(r"(\d+)_manifest_(clean|other)_(train|dev|test)\.json")
_GENDERS = {
    "92": "female",
    "6097": "male",
    "9017": "male",
    "6670": "male",
    "6671": "male",
    "8051": "female",
    "9136": "female",
    "11614": "female",
    "11697": "female",
    "12787": "female",
}


@register
class HiFiTTS(Recipe):
    name = "hi_fi_tts"
    domain = "speech"
    source = ["audiobook"]
    number = 107
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{bakhturina2021hifitts,
  title = {{Hi-Fi} Multi-Speaker {English} {TTS} Dataset},
  author = {Bakhturina, Evelina and Lavrukhin, Vitaly and Ginsburg, Boris and Zhang, Yang},
  booktitle = {Proc. Interspeech 2021},
  year = {2021},
  eprint = {2104.01497},
  archivePrefix = {arXiv}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset({"transcript", "raw_transcript", "speaker", "gender", "language", "language_code"})

    @cached_property
    def base(self) -> str:
        return "hi_fi_tts_v0/" if self.root.isdir("hi_fi_tts_v0") else ""

    @cached_property
    def manifests(self) -> list[tuple[str, str, str]]:
        """(path, speaker, split) of each manifest."""
        found = []
        for path in self.root.glob(self.base + "*_manifest_*.json"):
            m = _MANIFEST.fullmatch(posixpath.basename(path))
            if m:
                found.append((path, m.group(1), m.group(3)))
        return found

    def check_layout(self) -> list[str]:
        if not self.manifests:
            where = f"under {self.root.uri} (nor hi_fi_tts_v0/)"
            return [f"hi_fi_tts: no <speaker>_manifest_<clean|other>_<train|dev|test>.json {where}"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        flacs = self.root.find(self.base + "audio", ".flac")
        recordings: dict[str, Recording] = {}
        problems: list[Problem] = []
        listed: set[str] = set()
        for manifest, speaker, split in self.manifests:
            for line_no, line in enumerate(self.root.read_text(manifest).splitlines(), 1):
                if not line.strip():
                    continue
                where = f"{manifest}:{line_no}"
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError as err:
                    problems.append(Problem(where, "bad_row", f"not JSON: {err.msg}"))
                    continue
                rel = entry.get("audio_filepath") if isinstance(entry, dict) else None
                text = (entry.get("text_normalized") or entry.get("text")) if isinstance(entry, dict) else None
                if not isinstance(rel, str) or not rel.strip() or not isinstance(text, str) or not text.strip():
                    problems.append(Problem(where, "bad_row", "expected audio_filepath and text_normalized or text"))
                    continue
                audio = self.base + rel.strip().removeprefix("./")
                listed.add(audio)
                if audio not in flacs:
                    problems.append(Problem(audio, "missing_audio", f"{where} names {rel}, no flac"))
                    continue
                rec_id = posixpath.splitext(rel.strip().removeprefix("./").removeprefix("audio/"))[0].replace("/", "_")
                raw = entry.get("text_no_preprocessing")
                meta = compact(
                    {
                        "transcript": vocab.text(text),
                        "raw_transcript": vocab.text(raw) if isinstance(raw, str) else None,
                        "speaker": vocab.speaker(self.name, speaker),
                        "gender": _GENDERS.get(speaker),
                        "language": "English",
                        "language_code": "en",
                    }
                )
                recordings.setdefault(rec_id, Recording(rec_id, audio, split, meta, flacs[audio]))
        for audio in flacs:
            if audio not in listed:
                problems.append(Problem(audio, "missing_transcript", "no manifest line names this flac"))
        yield from sorted(recordings.values(), key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
