"""Multilingual LibriSpeech (MLS) — read audiobook speech (LibriVox) in 8 languages, 16 kHz FLAC (or Opus).

- Source: https://www.openslr.org/94 (CC BY 4.0).
- Native layout, one folder per language archive: ``mls_<language>/`` (english, german, dutch, french, spanish,
  italian, portuguese, polish) holding ``metainfo.txt``, ``README``, ``LICENSE`` and ``{train,dev,test}/`` with
  ``transcripts.txt`` (no header; ``<speaker>_<book>_<utterance> <TAB> text``), ``segments.txt`` (the utterance's
  LibriVox mp3 URL and start/end in it; not read: it locates the source, not the clip) and
  ``audio/<speaker>/<book>/<id>.flac``; ``train/limited_supervision/`` handle lists are not read. The Opus variant
  ``mls_<language>_opus/`` has the same tree with ``.opus`` files; when both variants of a language are present the
  FLAC one is read (``options.audio: opus`` reads the Opus one). ``mls_lm_<language>`` (LM text) is not audio.
  ``metainfo.txt``: a header line, then ``SPEAKER | GENDER | PARTITION | MINUTES | BOOK ID | TITLE | CHAPTER`` rows,
  one per speaker and book, padded with spaces (PARTITION ``secret`` rows are speakers held back from the release).
  The root may hold the ``mls_*`` folders or be one of them.
- Labels: the transcript as written (lower case, no punctuation); speaker (``mls_<id>``: LibriVox reader ids);
  gender ``M``/``F`` from ``metainfo.txt``; the language from the folder name.
- Split: the ``train`` / ``dev`` / ``test`` folder (official, speaker-disjoint).
- Parts: one per language and split; each part yields its recordings sorted by id, then its problems.
- Problems: a transcript line naming no audio file (``missing_audio``), an audio file no line names
  (``missing_transcript``), a line that is not ``<spk>_<book>_<utt> <TAB> text`` (``bad_transcript``). Recording ids
  are the corpus's own (``<speaker>_<book>_<utterance>``); speaker and book ids are LibriVox ids, unique across
  languages.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from functools import cached_property

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SPLITS = ("train", "dev", "test")
_FOLDER = re.compile(r"mls_(?!lm_)([a-z]+?)(_opus)?")
_ID = re.compile(r"(\d+)_(\d+)_(\d+)")


@register
class MLS(Recipe):
    name = "mls"
    domain = "speech"
    source = ["audiobook"]
    number = 100
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{pratap2020mls,
  title = {{MLS}: A Large-Scale Multilingual Dataset for Speech Research},
  author = {Pratap, Vineel and Xu, Qiantong and Sriram, Anuroop and Synnaeve, Gabriel and Collobert, Ronan},
  booktitle = {Proc. Interspeech 2020},
  pages = {2757--2761},
  year = {2020},
  doi = {10.21437/Interspeech.2020-2826}
}"""
    provides = frozenset({"transcript", "speaker", "gender", "language"})

    @cached_property
    def languages(self) -> dict[str, tuple[str, str]]:
        """Language name -> (its folder relative to the root, "" for the root itself; audio extension)."""
        if self.root.exists("metainfo.txt") or any(self.root.exists(f"{s}/transcripts.txt") for s in _SPLITS):
            m = _FOLDER.fullmatch(posixpath.basename(self.root.path.rstrip("/")))
            if m:
                return {m.group(1): ("", ".opus" if m.group(2) else ".flac")}
        if not self.root.isdir():
            return {}
        want_opus = str(self.options.get("audio", "flac")).lower() == "opus"
        found: dict[str, tuple[str, str]] = {}
        for folder in self.root.ls_dirs():
            m = _FOLDER.fullmatch(folder)
            if not m:
                continue
            lang, opus = m.group(1), bool(m.group(2))
            if lang not in found or opus == want_opus:
                found[lang] = (folder, ".opus" if opus else ".flac")
        return dict(sorted(found.items()))

    def check_layout(self) -> list[str]:
        if not self.languages:
            return [f"mls: no mls_<language>/ folder (nor <split>/transcripts.txt) under {self.root.uri}"]
        return []

    def parts(self) -> list[str]:
        out = []
        for lang, (folder, _) in self.languages.items():
            out += [f"{lang}/{s}" for s in _SPLITS if self.root.exists(posixpath.join(folder, s, "transcripts.txt"))]
        return out

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def _genders(self, folder: str) -> dict[str, str]:
        path = posixpath.join(folder, "metainfo.txt")
        genders: dict[str, str] = {}
        if not self.root.exists(path):
            return genders
        for line in self.root.read_text(path).splitlines()[1:]:
            cols = [c.strip() for c in line.split("|")]
            if len(cols) >= 2 and cols[0].isdigit():
                found = vocab.gender(cols[1])
                if found:
                    genders.setdefault(cols[0], found)
        return genders

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        lang, split = part.split("/")
        if lang not in self.languages or split not in _SPLITS:
            raise ValueError(f"{self.name}: unknown part {part!r}")
        folder, ext = self.languages[lang]
        genders = self._genders(folder)
        index = posixpath.join(folder, split, "transcripts.txt")
        audio = self.root.find(posixpath.join(folder, split, "audio"), ext)
        language = vocab.language(lang)
        recordings: list[Recording] = []
        problems: list[Problem] = []
        named: set[str] = set()
        for line_no, line in enumerate(self.root.read_text(index).splitlines(), 1):
            if not line.strip():
                continue
            utt, _, text = line.partition("\t")
            m = _ID.fullmatch(utt.strip())
            if not m or not text.strip():
                why = f"expected 'spk_book_utt<TAB>text': {line!r}"
                problems.append(Problem(f"{index}:{line_no}", "bad_transcript", why))
                continue
            speaker, book, _ = m.groups()
            path = posixpath.join(folder, split, "audio", speaker, book, f"{m.group(0)}{ext}")
            if path not in audio:
                problems.append(Problem(path, "missing_audio", f"{index}:{line_no} names {m.group(0)}, no audio"))
                continue
            named.add(path)
            meta = compact(
                {
                    "transcript": vocab.text(text),
                    "speaker": vocab.speaker("mls", speaker),
                    "gender": genders.get(speaker),
                    "language": language,
                }
            )
            recordings.append(Recording(m.group(0), path, split, meta, audio[path]))
        for path in audio:
            if path not in named:
                problems.append(Problem(path, "missing_transcript", f"no line of {index} names this file"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
