"""ASVspoof 2021 LA and DF — evaluation data of the 2021 challenge: bona fide and spoofed speech sent through
telephony codecs (LA) or compressed with media codecs (DF), 16 kHz FLAC. Two recipes, one per track:
``asvspoof2021_la`` and ``asvspoof2021_df`` (their vocoder labels differ in kind, so each dataset answers in one).

- Source: https://www.asvspoof.org/index2021.html; audio on Zenodo (LA 10.5281/zenodo.4837263, DF
  10.5281/zenodo.4835108), keys and meta labels in ``LA-keys-full.tar.gz`` / ``DF-keys-full.tar.gz``. Licence: Open
  Data Commons Attribution License (ODC-By 1.0).
- Native layout (under the root): ``ASVspoof2021_<LA|DF>_eval/flac/<LA|DF>_E_<7 digits>.flac`` (with
  ``ASVspoof2021.<LA|DF>.cm.eval.trl.txt``, the bare trial list, not read) and the CM key file
  ``keys/<LA|DF>/CM/trial_metadata.txt``, found there, in ``<LA|DF>-keys-full/``, in the eval folder, or at
  ``options.keys`` (a path relative to the root). Space-separated rows:
  - LA: ``speaker trial codec transmission attack key trim subset`` (``LA_0009 LA_E_9332881 alaw ita_tx A07 spoof
    notrim eval``);
  - DF: ``speaker trial compression source attack key trim subset vocoder task team gender-pair language``
    (``LA_0023 DF_E_2000011 nocodec asvspoof A14 spoof notrim progress traditional_vocoder - - - -``; sources
    ``asvspoof``, ``vcc2018``, ``vcc2020``; VCC systems are named like ``Task1-team20``).
- Labels: ``spoof`` is the key; for spoofed trials ``attack`` is the system as written and ``vocoder``: in LA the
  waveform generator of the ASVspoof 2019 system (A07-A19, the same table as ``asvspoof2019_la``), in DF the key's
  vocoder category in words (``traditional vocoder``, ``waveform concatenation``, ``autoregressive neural vocoder``,
  ``non-autoregressive neural vocoder``; ``unknown`` -> absent). ``speaker`` only on bona fide trials (``LA_0009``,
  or a VCC speaker like ``VCC2TM2`` in DF); language English.
- Split: the release is evaluation data only: every trial is ``test`` (its ``eval`` / ``progress`` / ``hidden``
  subsets are all evaluation subsets).
- Problems: a key row whose flac is absent (``missing_audio``; DF keys list trials of every part archive, so a
  partial download reports the rest here), a row with too few fields (``bad_index``), an unknown key, LA system
  or DF vocoder category (``unknown_label``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any, ClassVar

from audioflan_ray import vocab
from audioflan_ray.recipes.asvspoof2019_la import ATTACK_VOCODERS, KEYS
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register


class _ASVspoof2021(Recipe):
    """One track of ASVspoof 2021 (the subclasses set ``track`` and how a key row reads)."""

    track: ClassVar[str]
    columns: ClassVar[int]
    domain = "speech"
    source = ["studio"]
    license = "ODC-By-1.0"
    citation = r"""@article{liu2023asvspoof2021,
  title = {{ASVspoof} 2021: Towards Spoofed and Deepfake Speech Detection in the Wild},
  author = {Liu, Xuechen and Wang, Xin and Sahidullah, Md and Patino, Jose and Delgado, H{\'e}ctor and Kinnunen, Tomi
    and Todisco, Massimiliano and Yamagishi, Junichi and Evans, Nicholas and Nautsch, Andreas and Lee, Kong Aik},
  journal = {IEEE/ACM Transactions on Audio, Speech, and Language Processing},
  volume = {31},
  pages = {2507--2522},
  year = {2023},
  doi = {10.1109/TASLP.2023.3285283}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset({"spoof", "attack", "vocoder", "speaker", "language", "language_code"})

    def _key_candidates(self) -> list[str]:
        t = self.track
        key = f"keys/{t}/CM/trial_metadata.txt"
        if self.options.get("keys"):
            return [str(self.options["keys"])]
        return [key, f"{t}-keys-full/{key}", f"ASVspoof2021_{t}_eval/{key}"]

    @cached_property
    def _keys(self) -> str | None:
        return next((k for k in self._key_candidates() if self.root.exists(k)), None)

    def check_layout(self) -> list[str]:
        if self._keys is None:
            tried = ", ".join(self._key_candidates())
            return [f"{self.name}: no CM key file under {self.root.uri} (looked for {tried}); set options.keys"]
        return []

    def _labels(self, cols: list[str]) -> dict[str, Any]:
        """The row's attack and vocoder (ValueError for a label this recipe cannot place)."""
        raise NotImplementedError

    def scan(self) -> Iterator[Recording | Problem]:
        keys = self._keys
        if keys is None:
            return
        folder = f"ASVspoof2021_{self.track}_eval/flac/"
        flacs = self.root.find(folder, ".flac")
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for line_no, line in enumerate(self.root.read_text(keys).splitlines(), 1):
            cols = line.split()
            if not cols:
                continue
            where = f"{keys}:{line_no}"
            if len(cols) < self.columns:
                problems.append(Problem(where, "bad_index", f"expected {self.columns} fields: {line!r}"))
                continue
            speaker, trial, key = cols[0], cols[1], cols[5]
            try:
                if key not in KEYS:
                    raise ValueError(f"key {key!r} is neither bonafide nor spoof")
                labels = self._labels(cols) if key == "spoof" else {}
            except ValueError as err:
                problems.append(Problem(where, "unknown_label", str(err)))
                continue
            audio = f"{folder}{trial}.flac"
            if audio not in flacs:
                problems.append(Problem(audio, "missing_audio", f"{where} lists {trial}"))
                continue
            meta = compact(
                {
                    "spoof": key,
                    **labels,
                    "speaker": vocab.speaker(self.name, speaker) if key == "bonafide" else None,
                    "language": "English",
                    "language_code": "en",
                }
            )
            recordings.append(Recording(trial, audio, "test", meta, flacs[audio]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)


@register
class ASVspoof2021LA(_ASVspoof2021):
    name = "asvspoof2021_la"
    number = 125
    track = "LA"
    columns = 8

    def _labels(self, cols: list[str]) -> dict[str, Any]:
        attack = cols[4]
        if attack not in ATTACK_VOCODERS:
            raise ValueError(f"system {attack!r} is not an ASVspoof 2019 LA system")
        return {"attack": attack, "vocoder": vocab.vocoder(ATTACK_VOCODERS[attack])}


@register
class ASVspoof2021DF(_ASVspoof2021):
    name = "asvspoof2021_df"
    number = 126
    track = "DF"
    columns = 9

    def _labels(self, cols: list[str]) -> dict[str, Any]:
        return {"attack": cols[4] if cols[4] != "-" else None, "vocoder": vocab.vocoder(cols[8])}
