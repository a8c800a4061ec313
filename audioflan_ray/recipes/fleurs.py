"""FLEURS — read FLoRes-101 sentences in 102 languages, the same sentences in every language, 16 kHz WAV.

- Source: https://huggingface.co/datasets/google/fleurs (CC BY 4.0).
- Native layout (the dataset repository's ``data/`` folder; the root may be that folder or its parent): one folder
  per language (``en_us``, ``cmn_hans_cn``, ``yue_hant_hk``, ...) with headerless tab-separated ``train.tsv``,
  ``dev.tsv``, ``test.tsv`` — ``id``, file name, raw transcription, normalized transcription, the transcription as
  ``|``-separated characters, number of samples, gender (``MALE`` / ``FEMALE`` / ``OTHER``) — and
  ``audio/<split>.tar.gz`` archives that extract to ``audio/<split>/<file name>.wav``. ``id`` is the FLoRes
  sentence: shared by every recording of that sentence, in every language; a sentence usually has several recordings
  (speakers) per language.
- Labels: transcript = the normalized transcription, raw_transcript = the raw one; gender; language (English name)
  and the folder's code; ``parallel_id`` = ``id`` (pairs the same sentence across languages: speech-to-speech
  translation); ``translation`` = the raw transcription of the same sentence in ``options.translation_language``
  (default ``en_us``; the first recording's, all say the same sentence) with ``translation_language`` its English name,
  for recordings in any other language whose sentence that language has (speech-to-text translation).
- Recording id: ``<language folder>_<file stem>``. Split: the tsv (official; ``dev`` is FLEURS's validation split).
- Parts: one per language folder, in an order that keeps the concatenation sorted by recording id.
- Problems: a row whose wav is absent (``missing_audio``), a row that is not 7 tab-separated fields or has an unknown
  gender (``bad_row``). Files no row names are not FLEURS recordings and are not listed.
"""

from __future__ import annotations

import csv
import posixpath
from collections.abc import Iterator
from functools import cached_property

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SPLITS = ("train", "dev", "test")


@register
class Fleurs(Recipe):
    name = "fleurs"
    domain = "speech"
    source = ["crowdsourced"]
    number = 101
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{conneau2023fleurs,
  title = {{FLEURS}: Few-Shot Learning Evaluation of Universal Representations of Speech},
  author = {Conneau, Alexis and Ma, Min and Khanuja, Simran and Zhang, Yu and Axelrod, Vera and Dalmia, Siddharth and
    Riesa, Jason and Rivera, Clara and Bapna, Ankur},
  booktitle = {IEEE Spoken Language Technology Workshop (SLT)},
  pages = {798--805},
  year = {2023},
  doi = {10.1109/SLT54892.2023.10023141}
}"""
    provides = frozenset(
        {
            "transcript",
            "raw_transcript",
            "gender",
            "language",
            "language_code",
            "parallel_id",
            "translation",
            "translation_language",
        }
    )

    def _is_language(self, folder: str) -> bool:
        return any(self.root.exists(posixpath.join(folder, f"{s}.tsv")) for s in _SPLITS)

    @cached_property
    def base(self) -> str:
        return "data/" if self.root.isdir("data") and not self._is_language("") else ""

    @cached_property
    def languages(self) -> list[str]:
        if not self.root.isdir(self.base or ""):
            return []
        found = [d for d in self.root.ls_dirs(self.base) if d != "audio" and self._is_language(self.base + d)]
        return sorted(found, key=lambda d: d + "_")

    def check_layout(self) -> list[str]:
        if not self.languages:
            return [f"fleurs: no <lang>/train.tsv (nor dev.tsv, test.tsv) under {self.root.uri} (nor under data/)"]
        return []

    def parts(self) -> list[str]:
        return list(self.languages)

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def _rows(self, lang: str, split: str) -> list[list[str]]:
        path = f"{self.base}{lang}/{split}.tsv"
        if not self.root.exists(path):
            return []
        return list(csv.reader(self.root.read_text(path).splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))

    @cached_property
    def translations(self) -> dict[str, str]:
        """FLoRes id -> raw transcription in the translation language (empty when that language is absent)."""
        lang = str(self.options.get("translation_language", "en_us"))
        out: dict[str, str] = {}
        for split in _SPLITS:
            for cols in self._rows(lang, split):
                if len(cols) == 7 and cols[2].strip():
                    out.setdefault(cols[0].strip(), vocab.text(cols[2]))
        return out

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        if part not in self.languages:
            raise ValueError(f"{self.name}: unknown part {part!r}")
        lang = part
        target = str(self.options.get("translation_language", "en_us"))
        language = vocab.language(lang)
        target_language = vocab.language(target)
        recordings: dict[str, Recording] = {}
        problems: list[Problem] = []
        for split in _SPLITS:
            index = f"{self.base}{lang}/{split}.tsv"
            wavs = self.root.find(f"{self.base}{lang}/audio/{split}", ".wav")
            for row_no, cols in enumerate(self._rows(lang, split), 1):
                where = f"{index}:{row_no}"
                if len(cols) != 7 or not cols[1].strip():
                    problems.append(Problem(where, "bad_row", f"expected 7 tab-separated fields, got {len(cols)}"))
                    continue
                sentence, file_name, raw, normalized, _, _, gender = (c.strip() for c in cols)
                try:
                    sex = vocab.gender(gender)
                except ValueError:
                    problems.append(Problem(where, "bad_row", f"unknown gender {gender!r}"))
                    continue
                audio = f"{self.base}{lang}/audio/{split}/{file_name}"
                if audio not in wavs:
                    problems.append(Problem(audio, "missing_audio", f"{where} names {file_name}, no wav"))
                    continue
                rec_id = f"{lang}_{posixpath.splitext(file_name)[0]}"
                translation = self.translations.get(sentence) if lang != target else None
                meta = compact(
                    {
                        "transcript": vocab.text(normalized),
                        "raw_transcript": vocab.text(raw),
                        "gender": sex,
                        "language": language,
                        "language_code": lang,
                        "parallel_id": sentence,
                        "translation": translation,
                        "translation_language": target_language if translation else None,
                    }
                )
                recordings.setdefault(rec_id, Recording(rec_id, audio, split, meta, wavs[audio]))
        yield from sorted(recordings.values(), key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
