"""CVSS — English speech translations of Common Voice clips from 21 languages (speech-to-speech translation).

- Source: https://github.com/google-research-datasets/cvss (CC BY 4.0); the source speech is Common Voice release 4
  (CC0), read in place. CVSS-C speaks every translation in one canonical synthetic voice, CVSS-T in a voice
  transferred from the source speaker.
- Native layout: one archive per version and source language, ``cvss_{c,t}_<src>_en_v1.0.tar.gz``, holding
  ``train/``, ``dev/``, ``test/`` folders of translation wavs named ``<Common Voice clip name>.wav``
  (``common_voice_fr_19176154.mp3.wav``) and headerless, unquoted ``train.tsv`` / ``dev.tsv`` / ``test.tsv``:
  ``<clip name> <TAB> <normalized English translation>`` (identical in CVSS-C and CVSS-T). Each archive's content lies
  in a folder named after it (``cvss_c_fr_en_v1.0/``; ``_v1.0`` optional) under the root; the Common Voice release
  lies under the same root (``options.common_voice``, default the one ``cv-corpus-*`` folder; see
  ``_common_voice_clips``). CVSS writes ``zh`` and ``sv`` where Common Voice's locales are ``zh-CN`` and ``sv-SE``.
- Recordings: the source clip (id = clip stem; language and locale of the source; ``translation`` = the English text,
  ``translation_language`` English; once even when both versions list it) and each translation wav (id = ``<clip
  stem>_cvss_c`` / ``_cvss_t``; English). Both carry ``parallel_id`` = the clip stem, which pairs a source with its
  translations for speech-to-speech translation. The synthetic English speech gets no transcript (it is TTS output,
  not material for speech recognition or synthesis). The source clips are Common Voice's: a build reading
  ``common_voice`` too gives this source ``tasks: [Speech-to-Speech Translation, Speech-to-Text Translation]``.
- Split: the tsv that lists the clip (official).
- Problems: a row whose translation wav or source clip is absent (``missing_audio``), a row that is not two
  tab-separated fields (``bad_row``).
"""

from __future__ import annotations

import csv
import posixpath
import re
from collections.abc import Iterator
from functools import cached_property

from audioflan_ray import vocab
from audioflan_ray.recipes._common_voice_clips import ClipIndex, common_voice_folder
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_FOLDER = re.compile(r"cvss_([ct])_([a-z]+)_en(?:_v[\d.]+)?")
_SPLITS = ("train", "dev", "test")
_LOCALES = {"zh": "zh-CN", "sv": "sv-SE"}  # CVSS code -> Common Voice locale


@register
class CVSS(Recipe):
    name = "cvss"
    domain = "speech"
    source = ["crowdsourced"]
    number = 103
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{jia2022cvss,
  title = {{CVSS} Corpus and Massively Multilingual Speech-to-Speech Translation},
  author = {Jia, Ye and Tadmor Ramanovich, Michelle and Wang, Quan and Zen, Heiga},
  booktitle = {Proceedings of the Thirteenth Language Resources and Evaluation Conference (LREC)},
  pages = {6691--6703},
  year = {2022}
}"""
    provides = frozenset({"translation", "translation_language", "language", "language_code", "parallel_id"})

    @cached_property
    def folders(self) -> list[tuple[str, str, str]]:
        """(folder, version c|t, source code) of each CVSS archive folder under the root."""
        if not self.root.isdir():
            return []
        found = []
        for folder in self.root.ls_dirs():
            m = _FOLDER.fullmatch(folder)
            if m and any(self.root.exists(f"{folder}/{s}.tsv") for s in _SPLITS):
                found.append((folder, m.group(1), m.group(2)))
        return found

    def check_layout(self) -> list[str]:
        problems = []
        if not self.folders:
            where = f"under {self.root.uri}"
            problems.append(f"cvss: no cvss_<c|t>_<src>_en_v1.0/ folder with train.tsv (dev.tsv, test.tsv) {where}")
        if common_voice_folder(self.root, self.options) is None:
            problems.append(
                f"cvss: no Common Voice release under {self.root.uri} (options.common_voice names its folder; "
                "by default the one cv-corpus-* folder)"
            )
        return problems

    def scan(self) -> Iterator[Recording | Problem]:
        clips = ClipIndex(self.root, common_voice_folder(self.root, self.options))
        sources: dict[str, Recording] = {}
        targets: list[Recording] = []
        absent: set[str] = set()  # source clips already reported missing
        problems: list[Problem] = []
        for folder, version, code in self.folders:
            locale = _LOCALES.get(code, code)
            language = vocab.language(locale)
            for split in _SPLITS:
                index = f"{folder}/{split}.tsv"
                if not self.root.exists(index):
                    continue
                wavs = self.root.find(f"{folder}/{split}", ".wav")
                lines = self.root.read_text(index).splitlines()
                for row_no, cols in enumerate(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
                    where = f"{index}:{row_no}"
                    if len(cols) != 2 or not cols[0].strip() or not cols[1].strip():
                        problems.append(Problem(where, "bad_row", f"expected '<clip><TAB><translation>': {cols!r}"))
                        continue
                    clip, text = cols[0].strip(), vocab.text(cols[1])
                    stem = posixpath.splitext(clip)[0]
                    wav = f"{folder}/{split}/{clip}.wav"
                    if wav in wavs:
                        meta = {"language": "English", "language_code": "en", "parallel_id": stem}
                        targets.append(Recording(f"{stem}_cvss_{version}", wav, split, meta, wavs[wav]))
                    else:
                        problems.append(Problem(wav, "missing_audio", f"{where} names {clip}, no translation wav"))
                    if stem in sources or stem in absent:
                        continue
                    found = clips.find(locale, clip)
                    if found is None:
                        absent.add(stem)
                        source = posixpath.join(clips.clips_dir(locale), clip)
                        problems.append(Problem(source, "missing_audio", f"{where} names {clip}, no source clip"))
                        continue
                    meta = compact(
                        {
                            "translation": text,
                            "translation_language": "English",
                            "language": language,
                            "language_code": locale,
                            "parallel_id": stem,
                        }
                    )
                    sources[stem] = Recording(stem, found[0], split, meta, found[1])
        recordings = list(sources.values()) + targets
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
