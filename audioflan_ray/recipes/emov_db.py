"""EmoV-DB (Emotional Voices Database) — 4 English speakers reading CMU Arctic sentences in 5 emotional styles, WAV.

- Source: https://github.com/numediart/EmoV-DB, audio at https://www.openslr.org/115 (per speaker and emotion
  archives ``<speaker>_<Emotion>.tar.gz``) and the "sorted" release the README recommends. Licence (LICENSE.md):
  NON-COMMERCIAL purposes only (research, teaching, publication, personal experimentation).
- Native layout, the sorted release (the root may be ``EmoV-DB_sorted/`` or its parent):
  ``<speaker>/<Emotion>/<emotion>_<first>-<last>_<NNNN>.wav`` with speakers ``bea``, ``jenie``, ``josh``, ``sam`` and
  emotion folders ``Amused``, ``Angry``, ``Disgusted``, ``Neutral``, ``Sleepy`` (josh has no Angry or Disgusted). The
  file name's first word is the style as the annotators wrote it (``amused``, ``anger``, ``disgust``, ``neutral``,
  ``sleepiness``/``sleepy``; case varies), ``<first>-<last>`` the annotation document's range, ``NNNN`` the CMU Arctic
  sentence ``arctic_aNNNN``.
- Transcripts: the corpus has none of its own; its README points to CMU Arctic's ``cmuarctic.data`` (lines
  ``( arctic_a0001 "Author of the danger trail, Philip Steels, etc." )``), read from ``options.transcripts`` (a path
  relative to the root; default ``cmuarctic.data`` in the release folder or the root). Without it the recordings
  carry no transcript (and one problem says so).
- Labels: emotion from the folder; speaker ``emov_db_<name>``; gender from the README (Bea and Jenie female, Sam and
  Josh male); English; ``parallel_id`` = ``arctic_aNNNN`` (the same sentence by other speakers or in other styles).
- Split: the corpus defines none. With four speakers, held-out speakers cannot give three splits, so the split is
  ``hash_split`` of the Arctic sentence: every take of a sentence (any speaker, any style) is in one split.
- Problems: a wav whose name has no ``_NNNN`` sentence number or whose folder is not a known emotion (``bad_layout``),
  a sentence number ``cmuarctic.data`` lacks (``unknown_sentence``; still a recording), no ``cmuarctic.data``
  (``missing_transcripts``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from functools import cached_property

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_GENDERS = {"bea": "female", "jenie": "female", "josh": "male", "sam": "male"}  # the corpus README
_ARCTIC = re.compile(r'\(\s*arctic_a(\d{4})\s+"(.*)"\s*\)')
_NUMBER = re.compile(r"_(\d{4})$")


@register
class EmoVDB(Recipe):
    name = "emov_db"
    domain = "speech"
    source = ["studio"]
    number = 106
    license = "EmoV-DB licence (non-commercial use only)"
    citation = r"""@article{adigwe2018emovdb,
  title = {The Emotional Voices Database: Towards Controlling the Emotion Dimension in Voice Generation Systems},
  author = {Adigwe, Adaeze and Tits, No{\'e} and El Haddad, Kevin and Ostadabbas, Sarah and Dutoit, Thierry},
  journal = {arXiv preprint arXiv:1806.09514},
  year = {2018}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset({"transcript", "emotion", "speaker", "gender", "language", "language_code", "parallel_id"})

    @cached_property
    def base(self) -> str:
        return "EmoV-DB_sorted/" if self.root.isdir("EmoV-DB_sorted") else ""

    def _speakers(self) -> list[str]:
        if not self.root.isdir(self.base or ""):
            return []
        return [d for d in self.root.ls_dirs(self.base) if d.lower() in _GENDERS]

    def check_layout(self) -> list[str]:
        if not self._speakers():
            return [f"emov_db: no speaker folder (bea, jenie, josh, sam) under {self.root.uri} (nor EmoV-DB_sorted/)"]
        return []

    def _sentences(self) -> tuple[dict[str, str], str | None]:
        """Arctic a-set number -> sentence, and the file read (None when there is none)."""
        named = self.options.get("transcripts")
        candidates = [str(named)] if named else [self.base + "cmuarctic.data", "cmuarctic.data"]
        path = next((c for c in candidates if self.root.exists(c)), None)
        if path is None:
            return {}, None
        found = {}
        for line in self.root.read_text(path).splitlines():
            m = _ARCTIC.match(line.strip())
            if m:
                found[m.group(1)] = vocab.text(m.group(2))
        return found, path

    def scan(self) -> Iterator[Recording | Problem]:
        sentences, source = self._sentences()
        recordings: list[Recording] = []
        problems: list[Problem] = []
        if source is None:
            where = str(self.options.get("transcripts") or self.base + "cmuarctic.data")
            problems.append(Problem(where, "missing_transcripts", "no cmuarctic.data: recordings have no transcript"))
        for speaker in self._speakers():
            for path, size in self.root.find(self.base + speaker, ".wav").items():
                parts = path[len(self.base) :].split("/")
                stem = posixpath.basename(path)[: -len(".wav")]
                found = _NUMBER.search(stem)
                try:
                    emotion = vocab.emotion(parts[1]) if len(parts) == 3 else None
                except ValueError:
                    emotion = None
                if emotion is None or found is None:
                    problems.append(
                        Problem(path, "bad_layout", "expected <speaker>/<Emotion>/<style>_<range>_<NNNN>.wav")
                    )
                    continue
                number = found.group(1)
                text = sentences.get(number)
                if source is not None and text is None:
                    problems.append(Problem(path, "unknown_sentence", f"arctic_a{number} is not in {source}"))
                meta = compact(
                    {
                        "transcript": text,
                        "emotion": emotion,
                        "speaker": vocab.speaker(self.name, speaker.lower()),
                        "gender": _GENDERS[speaker.lower()],
                        "language": "English",
                        "language_code": "en",
                        "parallel_id": f"arctic_a{number}",
                    }
                )
                rec_id = f"{speaker.lower()}_{stem.lower()}"
                recordings.append(Recording(rec_id, path, hash_split(f"arctic_a{number}"), meta, size))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
