"""Mozilla Common Voice — crowdsourced read speech in many languages, MP3.

- Source: https://commonvoice.mozilla.org/datasets (CC0 1.0).
- Native layout: ``cv-corpus-<version>/<locale>/clips/<path>.mp3`` with tab-separated, headed index files per
  locale: ``validated.tsv`` and, in official releases, ``train.tsv`` / ``dev.tsv`` / ``test.tsv`` (subsets of the
  validated clips; ``invalidated`` / ``other`` / ``reported`` are not read). Columns: ``client_id path sentence
  up_votes down_votes age gender accent(s) locale segment`` (newer releases add more; they are ignored). The root
  may be a ``cv-corpus-*`` folder, a single locale folder, or the parent of exactly one ``cv-corpus-*`` folder.
  Clips that no index file lists are not validated and are not recordings of this corpus.
- Parsing: ``csv`` with ``QUOTE_NONE`` (sentences hold literal quotes), CRLF or LF lines. Copies written back with
  a CSV writer wrap a field holding quotes in ``"..."`` with the inner quotes doubled; such a field is unwrapped.
- Labels: ``sentence`` -> transcript; gender ``male``/``female``/``other`` kept (newer ``male_masculine`` /
  ``female_feminine`` folded into them), empty or any other value -> absent; the age bucket as written; the
  accent code in words (``us`` -> ``American``, unknown codes as written, ``other`` -> absent); zh-CN writes a
  6-digit province code in the accent column, which goes to ``region`` as written instead. Language as an English
  name from the locale (fallback: the locale itself); ``client_id`` and votes kept. ``speaker`` is not set: client
  ids are 128-hex hashes, no useful answer to a speaker question.
- Split: the file that lists the clip (``test`` > ``dev`` > ``train`` if a clip were listed twice); clips only in
  ``validated.tsv`` -> train. Note that those may share a client with dev/test clips (the official splits keep
  each client in one split, and leave the extra validated clips out).
- Problems: a listed clip absent from ``clips/`` -> ``missing_audio``; a row without a path -> ``bad_metadata``.
"""

from __future__ import annotations

import csv
import posixpath
from collections.abc import Iterator
from typing import Any

from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SPLIT_FILES = (("test.tsv", "test"), ("dev.tsv", "dev"), ("train.tsv", "train"), ("validated.tsv", "train"))
_LANGUAGES = {
    "en": "English",
    "zh-CN": "Chinese",
    "zh-TW": "Chinese",
    "zh-HK": "Cantonese",
    "yue": "Cantonese",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "ru": "Russian",
    "ja": "Japanese",
    "ko": "Korean",
    "ar": "Arabic",
    "nl": "Dutch",
    "pl": "Polish",
    "tr": "Turkish",
    "fa": "Persian",
    "ca": "Catalan",
    "rw": "Kinyarwanda",
}
# Common Voice's English accent codes (6.x) in the words of the other recipes' accent labels.
_ACCENTS = {
    "us": "American",
    "england": "English",
    "indian": "Indian",
    "australia": "Australian",
    "newzealand": "New Zealand",
    "ireland": "Irish",
    "canada": "Canadian",
    "scotland": "Scottish",
    "wales": "Welsh",
    "african": "Southern African",
    "philippines": "Filipino",
    "hongkong": "Hong Kong",
    "malaysia": "Malaysian",
    "singapore": "Singaporean",
    "bermuda": "Bermudian",
    "southatlandtic": "South Atlantic",  # sic: the corpus's spelling
}
_GENDERS = {"male": "male", "female": "female", "other": "other", "male_masculine": "male", "female_feminine": "female"}
_INDEX_FILES = tuple(name for name, _ in _SPLIT_FILES)


def _unquote(value: str) -> str:
    """Undo CSV-writer quoting ('"a ""b"" c"' -> 'a "b" c'); a sentence that merely starts with a quote stays."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        if '""' in inner and '"' not in inner.replace('""', ""):
            return inner.replace('""', '"')
    return value


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register
class CommonVoice(Recipe):
    name = "common_voice"
    domain = "speech"
    source = ["crowdsourced"]
    number = 15
    license = "CC0-1.0"
    citation = r"""@inproceedings{ardila2020commonvoice,
  title = {Common Voice: A Massively-Multilingual Speech Corpus},
  author = {Ardila, Rosana and Branson, Megan and Davis, Kelly and Kohler, Michael and Meyer, Josh and
            Henretty, Michael and Morais, Reuben and Saunders, Lindsay and Tyers, Francis and Weber, Gregor},
  booktitle = {Proceedings of the 12th Language Resources and Evaluation Conference (LREC)},
  pages = {4218--4222},
  year = {2020}
}"""
    provides = frozenset(
        {
            "transcript",
            "gender",
            "age",
            "accent",
            "region",
            "language",
            "language_code",
            "client_id",
            "up_votes",
            "down_votes",
        }
    )

    def _has_index(self, folder: str) -> bool:
        return any(self.root.exists(posixpath.join(folder, name)) for name in _INDEX_FILES)

    def _locales(self) -> list[str]:
        """Locale folders relative to the root ("" when the root is a locale folder itself)."""
        if self._has_index(""):
            return [""]
        if not self.root.isdir():
            return []
        top = self.root.ls_dirs()
        locales = [d for d in top if self._has_index(d)]
        corpora = [d for d in top if d.startswith("cv-corpus-")]
        if not locales and len(corpora) == 1:  # the parent of one release folder
            locales = [f"{corpora[0]}/{d}" for d in self.root.ls_dirs(corpora[0])]
            locales = [d for d in locales if self._has_index(d)]
        return locales

    def check_layout(self) -> list[str]:
        if not self._locales():
            where = f"under {self.root.uri}, nor in the root itself, nor in a single cv-corpus-* folder"
            return [f"common_voice: no <locale>/validated.tsv (or train/dev/test.tsv) {where}"]
        return []

    def _rows(self, path: str) -> list[dict[str, str]]:
        lines = self.root.read_text(path).splitlines()  # splitlines: some copies use CRLF
        return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for locale_dir in self._locales():
            clips = self.root.find(posixpath.join(locale_dir, "clips"), ".mp3")
            seen: set[str] = set()
            for name, split in _SPLIT_FILES:
                index = posixpath.join(locale_dir, name)
                if not self.root.exists(index):
                    continue
                for row_no, row in enumerate(self._rows(index), 2):
                    clip = (row.get("path") or "").strip()
                    if not clip:
                        problems.append(Problem(f"{index}:{row_no}", "bad_metadata", "row without a path"))
                        continue
                    if clip in seen:  # listed by an earlier (more specific) index file
                        continue
                    seen.add(clip)
                    audio = posixpath.join(locale_dir, "clips", clip)
                    if audio not in clips:
                        problems.append(Problem(audio, "missing_audio", f"{index}:{row_no} lists {clip}"))
                        continue
                    rec_id = clip.removesuffix(".mp3")
                    recordings.append(Recording(rec_id, audio, split, self._meta(row, locale_dir), clips[audio]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    @staticmethod
    def _meta(row: dict[str, str], locale_dir: str) -> dict[str, Any]:
        locale = (row.get("locale") or "").strip() or posixpath.basename(locale_dir)
        accent = (row.get("accents") or row.get("accent") or "").strip()
        region = accent if accent.isdigit() else None  # zh-CN: province code
        accent_words = None if accent.isdigit() or accent == "other" else _ACCENTS.get(accent, accent)
        return compact(
            {
                "transcript": _unquote(row.get("sentence") or ""),
                "gender": _GENDERS.get((row.get("gender") or "").strip()),
                "age": row.get("age"),
                "accent": accent_words,
                "region": region,
                "language": _LANGUAGES.get(locale, locale) if locale else None,
                "language_code": locale,
                "client_id": row.get("client_id"),
                "up_votes": _int(row.get("up_votes")),
                "down_votes": _int(row.get("down_votes")),
            }
        )
