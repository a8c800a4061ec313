"""LibriSpeech ASR corpus — read English audiobook speech (LibriVox), 16 kHz FLAC.

- Source: https://www.openslr.org/12 (SLR12), CC BY 4.0.
- Native layout: ``LibriSpeech/<subset>/<speaker>/<chapter>/<speaker>-<chapter>-<utt>.flac`` with one
  ``<speaker>-<chapter>.trans.txt`` per chapter folder (lines ``<utterance id> <UPPER-CASE TEXT>``; the official
  files end with a newline, trimmed copies may not, blank lines are skipped), and an optional
  ``LibriSpeech/SPEAKERS.TXT`` (``;`` comment lines, then ``ID | SEX | SUBSET | MINUTES | NAME`` rows). The root may
  be the ``LibriSpeech`` folder itself or its parent.
- Labels: the upper-case normalized transcript as written (whitespace collapsed); the speaker from the path
  (``vocab.speaker``: ``1089`` -> ``librispeech_1089``) and the chapter id; gender from ``SPEAKERS.TXT``
  (``M``/``F`` through ``vocab.gender``) when the file is present, else absent.
- Split: the subset folder, as the corpus defines it: ``train-*`` -> train, ``dev-*`` -> dev, ``test-*`` -> test.
  The official subsets hold disjoint speakers, so no speaker crosses splits.
- Problems: a transcript line whose flac is absent (``missing_audio``), a flac that no transcript line names
  (``missing_transcript``), a transcript file outside ``<subset>/<spk>/<chap>/`` or under an unknown subset.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SPLIT_PREFIXES = (("train-", "train"), ("dev-", "dev"), ("test-", "test"))


@register
class LibriSpeech(Recipe):
    name = "librispeech"
    domain = "speech"
    source = ["audiobook"]
    number = 3
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{panayotov2015librispeech,
  title = {Librispeech: An {ASR} Corpus Based on Public Domain Audio Books},
  author = {Panayotov, Vassil and Chen, Guoguo and Povey, Daniel and Khudanpur, Sanjeev},
  booktitle = {IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  pages = {5206--5210},
  year = {2015},
  doi = {10.1109/ICASSP.2015.7178964}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset({"transcript", "speaker", "chapter", "gender", "language", "language_code"})

    def _base(self) -> str:
        return "LibriSpeech/" if self.root.isdir("LibriSpeech") else ""

    def check_layout(self) -> list[str]:
        if not self.root.exists_glob(self._base() + "*/*/*/*.trans.txt"):
            return [f"librispeech: no <subset>/<spk>/<chap>/*.trans.txt under {self.root.uri} (nor under LibriSpeech/)"]
        return []

    def _genders(self, base: str) -> dict[str, str | None]:
        """Speaker id -> gender from SPEAKERS.TXT; empty when the file is absent."""
        if not self.root.exists(base + "SPEAKERS.TXT"):
            return {}
        genders: dict[str, str | None] = {}
        for line in self.root.read_text(base + "SPEAKERS.TXT").splitlines():
            if not line.strip() or line.lstrip().startswith(";"):
                continue
            # maxsplit: one official NAME contains '|' ("|CBW|Simon", speaker 60).
            cols = [c.strip() for c in line.split("|", 4)]
            if len(cols) >= 2 and cols[1].upper() in ("M", "F"):
                genders[cols[0]] = vocab.gender(cols[1])
        return genders

    def scan(self) -> Iterator[Recording | Problem]:
        base = self._base()
        genders = self._genders(base)
        listing = self.root.find(base)  # one listing for both kinds of file
        flacs = {p: s for p, s in listing.items() if p.endswith(".flac")}
        transcripts = [p for p in listing if p.endswith(".trans.txt")]
        texts = dict(self.root.read_many(transcripts))  # fetched concurrently on object storage
        named: set[str] = set()
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for trans in transcripts:
            parts = trans[len(base) :].split("/")
            split = next((s for prefix, s in _SPLIT_PREFIXES if parts[0].startswith(prefix)), None)
            if len(parts) != 4 or split is None:
                problems.append(Problem(trans, "bad_layout", "expected <train|dev|test>-*/<spk>/<chap>/*.trans.txt"))
                continue
            _, speaker, chapter, _ = parts
            folder = posixpath.dirname(trans)
            for line_no, line in enumerate(texts[trans].splitlines(), 1):
                if not line.strip():
                    continue
                fields = line.strip().split(None, 1)
                if len(fields) < 2:
                    problems.append(Problem(f"{trans}:{line_no}", "bad_transcript", f"expected 'ID TEXT': {line!r}"))
                    continue
                utt_id, text = fields
                audio = f"{folder}/{utt_id}.flac"
                if audio not in flacs:
                    problems.append(Problem(audio, "missing_audio", f"{trans}:{line_no} names {utt_id}, no flac"))
                    continue
                named.add(audio)
                meta = compact(
                    {
                        "transcript": vocab.text(text),
                        "speaker": vocab.speaker(self.name, speaker),
                        "chapter": chapter,
                        "gender": genders.get(speaker),
                        "language": "English",
                        "language_code": "en",
                    }
                )
                recordings.append(Recording(utt_id, audio, split, meta, flacs[audio]))
        for audio in flacs:
            if audio not in named:
                problems.append(Problem(audio, "missing_transcript", "no .trans.txt line names this flac"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
