"""CoVoST 2 — translations of Common Voice clips: 21 languages into English and English into 15 (speech-to-text).

- Source: https://github.com/facebookresearch/covost (translations CC0; Common Voice audio CC0). The speech is Common
  Voice release 4 (``cv-corpus-4-2019-12-10``), read in place.
- Native layout: one ``covost_v2.<src>_<tgt>.tsv`` per language pair (from ``covost_v2.<src>_<tgt>.tsv.tar.gz``),
  tab-separated with a header, unquoted (``csv.QUOTE_NONE``) and ``\\`` as escape character, read by column name:
  ``path`` (the Common Voice clip file name), ``translation``, ``split`` (``train``, ``train_covost``, ``dev``,
  ``test``; the official ``get_covost_splits.py`` puts ``train_covost`` rows in train and keeps only those four
  values). The tsv files lie in the root (or one folder below it); the Common Voice release lies under the same root
  (``options.common_voice``, default the one ``cv-corpus-*`` folder; see ``_common_voice_clips``), clips at
  ``<release>/<src locale>/clips/<path>``.
- Recordings: one per (clip, language pair), id ``<clip stem>_<tgt>``: an English clip has up to 15 translations.
  Labels: ``translation`` and its ``translation_language`` (the target), the clip's ``language`` and locale
  (``language_code``). Transcripts and speaker labels of the clips are the ``common_voice`` recipe's to give; as the
  clips are Common Voice's, a build reading both gives this source ``tasks: [Speech-to-Text Translation]``.
- Split: the ``split`` column (official).
- Problems: a row whose clip is absent (``missing_audio``), a row without path or translation, or with a split value
  outside the four (``bad_row``).
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

_PAIR = re.compile(r"covost_v2\.([A-Za-z-]+)_([A-Za-z-]+)\.tsv")
_SPLITS = {"train": "train", "train_covost": "train", "dev": "dev", "test": "test"}


@register
class CoVoST2(Recipe):
    name = "covost2"
    domain = "speech"
    source = ["crowdsourced"]
    number = 102
    license = "CC0-1.0"
    citation = r"""@inproceedings{wang2021covost2,
  title = {{CoVoST} 2 and Massively Multilingual Speech Translation},
  author = {Wang, Changhan and Wu, Anne and Gu, Jiatao and Pino, Juan},
  booktitle = {Proc. Interspeech 2021},
  pages = {2247--2251},
  year = {2021},
  doi = {10.21437/Interspeech.2021-2027}
}"""
    provides = frozenset({"translation", "translation_language", "language", "language_code"})

    @cached_property
    def tables(self) -> list[tuple[str, str, str]]:
        """(path, source locale, target locale) of each pair's tsv."""
        found = self.root.glob("covost_v2.*.tsv") + self.root.glob("*/covost_v2.*.tsv")
        pairs = ((p, _PAIR.fullmatch(posixpath.basename(p))) for p in sorted(found))
        return [(p, m.group(1), m.group(2)) for p, m in pairs if m]

    def check_layout(self) -> list[str]:
        problems = []
        if not self.tables:
            problems.append(f"covost2: no covost_v2.<src>_<tgt>.tsv under {self.root.uri} (nor one folder below)")
        if common_voice_folder(self.root, self.options) is None:
            problems.append(
                f"covost2: no Common Voice release under {self.root.uri} (options.common_voice names its folder; "
                "by default the one cv-corpus-* folder)"
            )
        return problems

    def scan(self) -> Iterator[Recording | Problem]:
        clips = ClipIndex(self.root, common_voice_folder(self.root, self.options))
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for table, src, tgt in self.tables:
            language, target = vocab.language(src), vocab.language(tgt)
            lines = self.root.read_text(table).splitlines()
            reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
            for row_no, row in enumerate(reader, 2):
                where = f"{table}:{row_no}"
                clip = (row.get("path") or "").strip()
                translation = vocab.text(row.get("translation") or "")
                split = _SPLITS.get((row.get("split") or "").strip())
                if not clip or not translation or split is None:
                    why = f"path {clip!r}, split {row.get('split')!r}, translation {'set' if translation else 'empty'}"
                    problems.append(Problem(where, "bad_row", why))
                    continue
                found = clips.find(src, clip)
                if found is None:
                    path = posixpath.join(clips.clips_dir(src), clip)
                    problems.append(Problem(path, "missing_audio", f"{where} names {clip}, no clip"))
                    continue
                meta = compact(
                    {
                        "translation": translation,
                        "translation_language": target,
                        "language": language,
                        "language_code": src,
                    }
                )
                rec_id = f"{posixpath.splitext(clip)[0]}_{tgt}"
                recordings.append(Recording(rec_id, found[0], split, meta, found[1]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
