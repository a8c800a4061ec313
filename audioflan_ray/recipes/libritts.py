"""LibriTTS and LibriTTS-R — read English audiobook speech (LibriVox) cut at sentence breaks, 24 kHz WAV.

- Source: LibriTTS https://www.openslr.org/60 and LibriTTS-R (the same utterances restored with Miipher)
  https://www.openslr.org/141, both CC BY 4.0. Audio-FLAN used LibriTTS-R (its AUDIO_IDs read
  ``13_LibriTTS-R_260_123288_000009_000000``); one recipe reads either release.
- Native layout: ``<release>/<subset>/<speaker>/<chapter>/<speaker>_<chapter>_<paragraph>_<sentence>.wav`` with, per
  utterance, ``.normalized.txt`` and ``.original.txt``, and per chapter ``<speaker>_<chapter>.trans.tsv`` (no header;
  ``id <TAB> original text <TAB> normalized text``) and ``.book.tsv``. ``<release>`` is ``LibriTTS/`` (openslr 60
  tarballs) or ``LibriTTS_R/`` (openslr 141 tarballs); the root may be that folder or its parent (when the parent holds
  both, LibriTTS_R is read unless ``options.folder`` names the other). Speaker genders: ``speakers.tsv`` (a header
  line, then ``READER <TAB> GENDER <TAB> SUBSET <TAB> NAME``; LibriTTS-R ships it in ``doc.tar.gz``) or the
  LibriSpeech-style ``SPEAKERS.txt`` (``;`` comments, ``ID | SEX | SUBSET | MINUTES | NAME``). LibriTTS-R lists the
  utterances whose restoration failed in ``<subset>_bad_sample_list.txt`` (``libritts_r_failed_speech_restoration_
  examples.tar.gz``; one ``.wav`` path per line), looked for in the release folder, the root and that archive's folder.
  The LibriTTS-R tarballs also carry macOS ``._*`` resource forks beside real files.
- Labels: the normalized text is the transcript (numbers and abbreviations spelled as spoken), the original text the
  raw transcript; speaker (``libritts_<reader id>``, one namespace for both releases: same readers), chapter id, gender
  (``M``/``F``). A chapter without ``.trans.tsv`` falls back to the per-utterance ``.txt`` files.
- Split: the subset, as the corpus defines it: ``train-*`` -> train, ``dev-*`` -> dev, ``test-*`` -> test.
- Parts: one per speaker folder, ordered so that their concatenation is sorted by recording id; each part yields its
  recordings, then its problems.
- Problems: a ``.trans.tsv`` line naming no wav (``missing_audio``), a wav that no line or ``.txt`` names
  (``missing_transcript``), a line that is not three tab-separated fields (``bad_transcript``), a file name that is not
  ``<speaker>_<chapter>_...`` of its folder (``bad_layout``), a ``._*`` resource fork (``stray_file``), an utterance of
  a bad-sample list (``restoration_failed``). Decoding is not checked here (LibriTTS-R's
  ``1092_134562_000013_000004.wav`` is known to be corrupt; the decode stage quarantines it).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SUBSETS = (
    "train-clean-100",
    "train-clean-360",
    "train-other-500",
    "dev-clean",
    "dev-other",
    "test-clean",
    "test-other",
)
_RELEASES = ("LibriTTS_R", "LibriTTS")
_FAILED_FOLDER = "libritts_r_failed_speech_restoration_examples"


def subset_split(subset: str) -> str | None:
    """``train-clean-100`` -> train, ``dev-other`` -> dev, ``test-clean`` -> test; None for anything else."""
    for prefix in ("train", "dev", "test"):
        if subset.startswith(prefix + "-"):
            return prefix
    return None


@register
class LibriTTS(Recipe):
    name = "libritts"
    domain = "speech"
    source = ["audiobook"]
    number = 13
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{koizumi2023librittsr,
  title = {{LibriTTS-R}: A Restored Multi-Speaker Text-to-Speech Corpus},
  author = {Koizumi, Yuma and Zen, Heiga and Karita, Shigeki and Ding, Yifan and Yatabe, Kohei and Morioka, Nobuyuki
    and Bacchiani, Michiel and Zhang, Yu and Han, Wei and Bapna, Ankur},
  booktitle = {Proc. Interspeech 2023},
  year = {2023},
  eprint = {2305.18802},
  archivePrefix = {arXiv}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset({"transcript", "raw_transcript", "speaker", "gender", "chapter", "language", "language_code"})

    @cached_property
    def base(self) -> str:
        """The release folder relative to the root, with a trailing slash ("" when the root is the release)."""
        folder = self.options.get("folder")
        if folder:
            return str(folder).strip("/") + "/"
        for release in _RELEASES:
            if self.root.isdir(release):
                return release + "/"
        return ""

    def _subsets(self) -> list[str]:
        if not self.root.isdir(self.base or ""):
            return []
        return [d for d in self.root.ls_dirs(self.base) if d in _SUBSETS]

    def check_layout(self) -> list[str]:
        if not self._subsets():
            where = f"under {self.root.uri} (nor under LibriTTS_R/ or LibriTTS/)"
            return [f"{self.name}: no <subset>/ folder ({', '.join(_SUBSETS[:2])}, ...) {where}"]
        return []

    @cached_property
    def genders(self) -> dict[str, str]:
        """Reader id -> gender, from speakers.tsv or else SPEAKERS.txt; empty when neither is present."""
        genders: dict[str, str] = {}
        tsv, txt = self.base + "speakers.tsv", self.base + "SPEAKERS.txt"
        if self.root.exists(tsv):
            rows = [line.split("\t") for line in self.root.read_text(tsv).splitlines()[1:]]
        elif self.root.exists(txt):
            lines = self.root.read_text(txt).splitlines()
            rows = [line.split("|") for line in lines if line.strip() and not line.lstrip().startswith(";")]
        else:
            return genders
        for cols in rows:
            if len(cols) >= 2 and cols[0].strip():
                found = vocab.gender(cols[1])
                if found:
                    genders[cols[0].strip()] = found
        return genders

    @cached_property
    def failed(self) -> set[str]:
        """Utterance ids whose LibriTTS-R restoration failed (the bad-sample lists), empty when none is present."""
        lists = []
        for folder in dict.fromkeys((self.base, "", _FAILED_FOLDER + "/", self.base + _FAILED_FOLDER + "/")):
            lists += self.root.glob(folder + "*_bad_sample_list.txt")
        ids: set[str] = set()
        for _, text in self.root.read_many(sorted(set(lists))):
            for line in text.splitlines():
                if line.strip().endswith(".wav"):
                    ids.add(posixpath.basename(line.strip())[: -len(".wav")])
        return ids

    def parts(self) -> list[str]:
        """``<subset>/<speaker>`` folders, ordered by ``<speaker>_`` so that recording ids come out sorted."""
        found = [f"{subset}/{spk}" for subset in self._subsets() for spk in self.root.ls_dirs(self.base + subset)]
        return sorted(found, key=lambda p: (p.split("/")[1] + "_", p))

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        subset, speaker = part.split("/")
        split = subset_split(subset)
        if split is None:
            raise ValueError(f"{self.name}: unknown part {part!r}")
        recordings: list[Recording] = []
        problems: list[Problem] = []
        listing = self.root.find(self.base + part)
        entries: dict[str, tuple[str, str]] = {}  # utterance id -> (original, normalized)
        spoilt: set[str] = set()  # ids on a line that could not be read: reported once, as that line
        for path in listing:
            name = posixpath.basename(path)
            if name.startswith("._"):
                problems.append(Problem(path, "stray_file", "a macOS resource fork (._*), not part of the corpus"))
        tables = [p for p in listing if p.endswith(".trans.tsv") and not posixpath.basename(p).startswith("._")]
        for table, text in self.root.read_many(tables):
            for line_no, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                cols = line.split("\t")
                if len(cols) != 3 or not cols[0].strip():
                    problems.append(Problem(f"{table}:{line_no}", "bad_transcript", f"expected 3 tab fields: {line!r}"))
                    spoilt.add(cols[0].strip())
                    continue
                utt = cols[0].strip()
                wav = f"{posixpath.dirname(table)}/{utt}.wav"
                if wav not in listing:
                    problems.append(Problem(wav, "missing_audio", f"{table}:{line_no} names {utt}, no wav"))
                    continue
                entries[utt] = (cols[1], cols[2])
        wavs = {p: s for p, s in listing.items() if p.endswith(".wav") and not posixpath.basename(p).startswith("._")}
        loose = [p for p in wavs if posixpath.basename(p)[:-4] not in entries]
        texts = dict(self._utterance_texts(loose, listing))
        for wav, size in wavs.items():
            utt = posixpath.basename(wav)[:-4]
            chapter = wav.split("/")[-2]
            if not re.fullmatch(rf"{re.escape(speaker)}_{re.escape(chapter)}_\d+_\d+", utt):
                problems.append(Problem(wav, "bad_layout", f"expected {speaker}_{chapter}_<para>_<sent>.wav here"))
                continue
            if utt in self.failed:
                problems.append(Problem(wav, "restoration_failed", "listed in a LibriTTS-R bad-sample list"))
                continue
            original, normalized = entries.get(utt) or texts.get(wav) or (None, None)
            if normalized is None and original is None:
                if utt not in spoilt:
                    problems.append(Problem(wav, "missing_transcript", "no .trans.tsv line nor .txt names this wav"))
                continue
            meta = self._meta(speaker, chapter, original, normalized)
            recordings.append(Recording(utt, wav, split, meta, size))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    def _utterance_texts(self, wavs: list[str], listing: dict[str, int]) -> Iterator[tuple[str, tuple[str, str]]]:
        """wav -> (original, normalized) from the per-utterance .txt files, for wavs no .trans.tsv line names."""
        wanted = [w[:-4] + ext for w in wavs for ext in (".original.txt", ".normalized.txt") if w[:-4] + ext in listing]
        read = dict(self.root.read_many(wanted))
        for wav in wavs:
            original, normalized = read.get(wav[:-4] + ".original.txt"), read.get(wav[:-4] + ".normalized.txt")
            if original is not None or normalized is not None:
                yield wav, (original or "", normalized or "")

    def _meta(self, speaker: str, chapter: str, original: str | None, normalized: str | None) -> dict[str, Any]:
        transcript = vocab.text(normalized or "") or vocab.text(original or "")
        return compact(
            {
                "transcript": transcript,
                "raw_transcript": vocab.text(original or ""),
                "speaker": vocab.speaker("libritts", speaker),
                "chapter": chapter,
                "gender": self.genders.get(speaker),
                "language": "English",
                "language_code": "en",
            }
        )
