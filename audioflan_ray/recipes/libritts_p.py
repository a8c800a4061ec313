"""LibriTTS-P — speaking-style prompts for LibriTTS-R utterances (Speech Caption, Descriptive Speech Synthesis).

- Source: https://github.com/line/LibriTTS-P (CC BY 4.0): annotation files only; the audio is LibriTTS-R
  (https://www.openslr.org/141, CC BY 4.0), read with the ``libritts`` recipe's layout rules.
- Native layout: the repository's ``data/`` folder: ``metadata_w_style_prompt_tags_v230922.csv`` (comma-separated
  with a header: ``item_name`` = utterance id, ``spk_id``, ``gender``, ``pitch``, ``speaking_speed``, ``energy``,
  ``content_prompt``, ``style_prompt_key``, raw acoustic measures, ``invalid``), ``style_prompt_candidates_v230922.csv``
  (no header, ``key|prompt;prompt;...``, keys like ``M_p-low_s-slow_e-low``), ``excluded_spk_list.txt`` (readers
  whose LibriTTS-R utterances clearly mix genders; the authors recommend excluding them), and the per-annotator
  speaker prompts ``df{1,2,3}_en.csv`` (``spk_id|adjective,adjective,...``; not read: no task takes speaker-identity
  adjectives). The root is the LibriTTS-R root (``LibriTTS_R/`` or its parent, as for ``libritts``);
  ``options.annotations`` names the LibriTTS-P checkout or its ``data/`` folder, relative to the root or as an absolute
  path / URI (default ``LibriTTS-P`` beside the release).
- Labels: ``caption`` is one of the style prompts of the utterance's ``style_prompt_key``, picked by a stable hash of
  the utterance id (the candidates are paraphrases; some are phrased as requests, as the corpus writes them);
  ``transcript`` is LibriTTS-R's normalized text (Descriptive Speech Synthesis speaks it). Other LibriTTS labels are
  the ``libritts`` recipe's; the transcript also makes these recordings eligible for speech recognition and synthesis,
  so a build reading both recipes gives this source ``tasks: [Speech Caption, Descriptive Speech Synthesis]``.
- Recordings: the LibriTTS-R utterances that the metadata annotates; unannotated utterances are not part of this
  corpus. Split: the LibriTTS subset (official).
- Problems: those of the LibriTTS-R scan, plus a metadata row whose utterance is absent (``missing_audio``), flagged
  ``invalid`` (``invalid_annotation``), of an excluded reader (``excluded_speaker``), or with an unknown style key or
  no item name (``bad_annotation``).
"""

from __future__ import annotations

import csv
import hashlib
import posixpath
from collections.abc import Iterator
from functools import cached_property
from typing import Any, ClassVar

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recording, compact, register
from audioflan_ray.recipes.libritts import LibriTTS
from audioflan_ray.storage import Root

METADATA = "metadata_w_style_prompt_tags_v230922.csv"
STYLES = "style_prompt_candidates_v230922.csv"
EXCLUDED = "excluded_spk_list.txt"


def pick(candidates: list[str], key: str) -> str:
    """One candidate, the same every time for ``key``."""
    return candidates[int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % len(candidates)]


@register
class LibriTTSP(LibriTTS):
    name = "libritts_p"
    number = 108
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{kawamura2024librittsp,
  title = {{LibriTTS-P}: A Corpus with Speaking Style and Speaker Identity Prompts for Text-to-Speech and Style
    Captioning},
  author = {Kawamura, Masaya and Yamamoto, Ryuichi and Shirahata, Yuma and Hasumi, Takuya and Tachibana, Kentaro},
  booktitle = {Proc. Interspeech 2024},
  year = {2024}
}"""
    values: ClassVar[dict[str, frozenset[str]]] = {}
    provides = frozenset({"caption", "transcript"})

    @cached_property
    def annotations(self) -> tuple[Root, str]:
        """The root holding the annotation files and their folder in it (with a trailing slash, or "")."""
        where = str(self.options.get("annotations") or "LibriTTS-P").rstrip("/")
        outside = "://" in where or where.startswith("/")
        root, folder = (Root(where, self.root.options), "") if outside else (self.root, where)
        for sub in (folder + "/data", folder):
            if root.exists(posixpath.join(sub, METADATA) if sub else METADATA):
                return root, (sub + "/" if sub else "")
        return root, (folder + "/data/" if folder else "data/")

    def check_layout(self) -> list[str]:
        problems = super().check_layout()
        root, folder = self.annotations
        if not root.exists(folder + METADATA):
            problems.append(
                f"{self.name}: no {METADATA} in {root.uri_of(folder)} (options.annotations names the LibriTTS-P "
                "checkout or its data/ folder)"
            )
        return problems

    def parts(self) -> list[str]:
        # One part: metadata rows whose audio is absent can only be told once the whole release is listed.
        return [""]

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        if part != "":
            raise ValueError(f"{self.name}: unknown part {part!r}")
        return self.scan()

    def scan(self) -> Iterator[Recording | Problem]:
        rows, problems = self._rows()
        recordings: list[Recording] = []
        seen: set[str] = set()
        for part in super().parts():
            for item in super().scan_part(part):
                if isinstance(item, Problem):
                    problems.append(item)
                    continue
                row = rows.get(item.recording_id)
                if row is None:
                    continue
                seen.add(item.recording_id)
                meta = compact({"caption": row["caption"], "transcript": item.meta.get("transcript")})
                recordings.append(Recording(item.recording_id, item.audio, item.split, meta, item.size))
        reported = {posixpath.basename(p.path)[: -len(".wav")] for p in problems if p.path.endswith(".wav")}
        for utt, row in rows.items():
            if utt not in seen and utt not in reported:
                problems.append(Problem(row["where"], "missing_audio", f"{utt}: no wav in the LibriTTS-R release"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    def _rows(self) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
        """Utterance id -> {caption, where} for the usable metadata rows, and a problem for each other row."""
        root, folder = self.annotations
        styles: dict[str, list[str]] = {}
        if root.exists(folder + STYLES):
            for line in root.read_text(folder + STYLES).splitlines():
                key, _, prompts = line.partition("|")
                candidates = [p.strip() for p in prompts.split(";") if p.strip()]
                if key.strip() and candidates:
                    styles[key.strip()] = candidates
        excluded: set[str] = set()
        if root.exists(folder + EXCLUDED):
            excluded = {x.strip() for x in root.read_text(folder + EXCLUDED).splitlines() if x.strip()}
        rows: dict[str, dict[str, Any]] = {}
        problems: list[Problem] = []
        lines = root.read_text(folder + METADATA).splitlines()
        for row_no, row in enumerate(csv.DictReader(lines), 2):
            where = f"{folder}{METADATA}:{row_no}"
            utt = (row.get("item_name") or "").strip().removesuffix(".wav")
            key = (row.get("style_prompt_key") or "").strip()
            speaker = (row.get("spk_id") or "").strip() or utt.split("_")[0]
            if not utt or key not in styles:
                problems.append(Problem(where, "bad_annotation", f"item {utt!r}: style key {key!r} has no prompts"))
            elif (row.get("invalid") or "0").strip() not in ("0", ""):
                problems.append(Problem(where, "invalid_annotation", f"{utt} is flagged invalid by the corpus"))
            elif speaker in excluded:
                problems.append(Problem(where, "excluded_speaker", f"{utt}: reader {speaker} is in {EXCLUDED}"))
            else:
                rows[utt] = {"caption": vocab.text(pick(styles[key], utt)), "where": where}
        return rows, problems
