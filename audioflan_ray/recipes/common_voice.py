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
- Labels, through ``vocab``: ``sentence`` -> transcript as written (whitespace collapsed); gender ``male`` /
  ``female`` / ``other`` (newer ``male_masculine`` / ``female_feminine`` folded into them, other spellings as
  vocab places them), empty or unplaceable -> absent; the age bucket as its group (``fourties`` -> ``forties``);
  the accent code in words (``us`` -> ``American``, ``england`` -> ``English (England)``, ``other`` -> absent);
  free-text accents of newer releases that vocab cannot place are absent too (they are sentences, not labels);
  zh-CN writes a 6-digit province code in the accent column, which goes to ``region`` as written instead.
  Language as an English name from the locale (``zh-CN`` -> ``Mandarin Chinese``); a locale vocab does not know
  leaves it absent (``language_code`` keeps the locale). ``client_id`` and votes kept. ``speaker`` is not set:
  client ids are 128-hex hashes, no useful answer to a speaker question.
- Split: the files that list the clip, as the corpus defines them (``test`` > ``dev`` > ``train`` if a clip were
  listed twice). The official splits keep each client in one split; a clip only in ``validated.tsv`` joins its
  client's split when an official file lists that client, else train, so that no client crosses splits. A locale
  without ``train/dev/test.tsv`` (a copy of ``validated.tsv`` alone) has no split of its own: held-out speakers,
  ``speaker_split("common_voice", client_id)``.
- Problems: a listed clip absent from ``clips/`` -> ``missing_audio``; a row without a path -> ``bad_metadata``.
"""

from __future__ import annotations

import csv
import posixpath
from collections.abc import Callable, Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register, speaker_split

_SPLIT_FILES = (("test.tsv", "test"), ("dev.tsv", "dev"), ("train.tsv", "train"))
_VALIDATED = "validated.tsv"
_INDEX_FILES = (*(name for name, _ in _SPLIT_FILES), _VALIDATED)


def _unquote(value: str) -> str:
    """Undo CSV-writer quoting ('"a ""b"" c"' -> 'a "b" c'); a sentence that merely starts with a quote stays."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        if '""' in inner and '"' not in inner.replace('""', ""):
            return inner.replace('""', '"')
    return value


def _placed(fn: Callable[[Any], Any], value: Any) -> Any:
    """A crowd-written label in vocab's words, or None where vocab cannot place it."""
    try:
        return fn(value)
    except ValueError:
        return None


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
            listed: dict[str, tuple[str, dict[str, str], str]] = {}  # clip -> (split, row, where)
            client_split: dict[str, str] = {}  # client -> the split an official file gives it
            for name, file_split in (*_SPLIT_FILES, (_VALIDATED, None)):
                index = posixpath.join(locale_dir, name)
                if not self.root.exists(index):
                    continue
                for row_no, row in enumerate(self._rows(index), 2):
                    clip = (row.get("path") or "").strip()
                    if not clip:
                        problems.append(Problem(f"{index}:{row_no}", "bad_metadata", "row without a path"))
                        continue
                    if clip in listed:  # listed by an earlier (more specific) index file
                        continue
                    client = (row.get("client_id") or "").strip()
                    if file_split is not None:
                        split = file_split
                        client_split.setdefault(client, file_split)
                    elif client_split:  # validated.tsv beside the official files
                        split = client_split.get(client, "train")
                    else:
                        split = speaker_split(self.name, client)
                    listed[clip] = (split, row, f"{index}:{row_no}")
            for clip, (split, row, where) in listed.items():
                audio = posixpath.join(locale_dir, "clips", clip)
                if audio not in clips:
                    problems.append(Problem(audio, "missing_audio", f"{where} lists {clip}"))
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
        return compact(
            {
                "transcript": vocab.text(_unquote(row.get("sentence") or "")),
                "gender": _placed(vocab.gender, row.get("gender") or ""),
                "age": _placed(vocab.age_group, row.get("age")),
                "accent": None if region else _placed(vocab.accent, accent),
                "region": region,
                "language": _placed(vocab.language, locale) if locale else None,
                "language_code": locale,
                "client_id": row.get("client_id"),
                "up_votes": _int(row.get("up_votes")),
                "down_votes": _int(row.get("down_votes")),
            }
        )
