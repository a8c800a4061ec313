"""ASVspoof 2019 Logical Access — bona fide VCTK speech and speech spoofed by 19 TTS / VC systems, 16 kHz FLAC.

- Source: https://datashare.ed.ac.uk/handle/10283/3336, Open Data Commons Attribution License (ODC-By 1.0).
- Native layout (the root is the ``LA`` folder or its parent): ``ASVspoof2019_LA_{train,dev,eval}/flac/<id>.flac``
  and ``ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.{train.trn,dev.trl,eval.trl}.txt``, space-separated rows
  ``<speaker> <id> - <system> <key>`` (``LA_0079 LA_T_1138215 - - bonafide``, ``LA_0079 LA_T_1004644 - A01 spoof``);
  ``ASVspoof2019_LA_asv_protocols/ASVspoof2019.LA.asv.{dev,eval}.{female,male}.trn.txt`` (enrolment lists, one row
  per speaker starting with its id) give the gender of the dev and eval speakers.
- Labels: ``spoof`` is the key (``bonafide`` / ``spoof``); for spoofed rows ``attack`` is the system id as written
  and ``vocoder`` the waveform generator of that system per the database paper (Wang et al., "ASVspoof 2019: a
  large-scale public database of synthesized, converted and replayed speech", CSL 2020, Table 1: A01 WaveNet, A02
  A03 A05 A07 WORLD, A04 A16 waveform concatenation, A06 A19 spectral filtering, A08 neural source-filter, A09
  Vocaine, A10 WaveRNN, A11 Griffin-Lim, A12 A15 WaveNet, A13 A17 waveform filtering, A14 STRAIGHT, A18 MFCC
  vocoder). ``speaker`` (``asvspoof2019_la_LA_0079``) and gender only on bona fide rows: a spoofed file is not that
  speaker's voice. Language English.
- Split: the protocol, as the corpus defines it: train, dev, eval -> test (speakers disjoint; A07-A19 only in eval).
- Problems: a protocol row whose flac is absent (``missing_audio``), a row that is not five fields
  (``bad_index``), an unknown key or system id (``unknown_label``).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

#: ASVspoof 2019 LA system id -> waveform generator (the database paper's Table 1).
ATTACK_VOCODERS = {
    "A01": "WaveNet",
    "A02": "WORLD",
    "A03": "WORLD",
    "A04": "waveform concatenation",
    "A05": "WORLD",
    "A06": "spectral filtering",
    "A07": "WORLD",
    "A08": "neural source-filter",
    "A09": "Vocaine",
    "A10": "WaveRNN",
    "A11": "Griffin-Lim",
    "A12": "WaveNet",
    "A13": "waveform filtering",
    "A14": "STRAIGHT",
    "A15": "WaveNet",
    "A16": "waveform concatenation",
    "A17": "waveform filtering",
    "A18": "MFCC vocoder",
    "A19": "spectral filtering",
}
KEYS = ("bonafide", "spoof")
_PARTS = (("train", "train.trn", "train"), ("dev", "dev.trl", "dev"), ("eval", "eval.trl", "test"))


@register
class ASVspoof2019LA(Recipe):
    name = "asvspoof2019_la"
    domain = "speech"
    source = ["studio"]
    number = 124
    license = "ODC-By-1.0"
    citation = r"""@article{wang2020asvspoof2019,
  title = {{ASVspoof} 2019: A large-scale public database of synthesized, converted and replayed speech},
  author = {Wang, Xin and Yamagishi, Junichi and Todisco, Massimiliano and Delgado, H{\'e}ctor and Nautsch, Andreas
    and Evans, Nicholas and Sahidullah, Md and Vestman, Ville and Kinnunen, Tomi and Lee, Kong Aik and others},
  journal = {Computer Speech \& Language},
  volume = {64},
  pages = {101114},
  year = {2020},
  doi = {10.1016/j.csl.2020.101114}
}"""
    values = {"language": frozenset({"English"})}
    provides = frozenset({"spoof", "attack", "vocoder", "speaker", "gender", "language", "language_code"})

    @cached_property
    def _base(self) -> str:
        return "LA/" if self.root.isdir("LA/ASVspoof2019_LA_cm_protocols") else ""

    def _protocol(self, part: str) -> str:
        suffix = next(s for p, s, _ in _PARTS if p == part)
        return f"{self._base}ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.{suffix}.txt"

    def check_layout(self) -> list[str]:
        if not self.parts():
            return [
                f"asvspoof2019_la: no ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.<part>.trn|trl.txt under "
                f"{self.root.uri} (nor under LA/)"
            ]
        return []

    def parts(self) -> list[str]:
        return [p for p, _, _ in _PARTS if self.root.exists(self._protocol(p))]

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    @cached_property
    def _genders(self) -> dict[str, str]:
        genders: dict[str, str] = {}
        for part in ("dev", "eval"):
            for gender in ("female", "male"):
                path = f"{self._base}ASVspoof2019_LA_asv_protocols/ASVspoof2019.LA.asv.{part}.{gender}.trn.txt"
                if self.root.exists(path):
                    for line in self.root.read_text(path).splitlines():
                        if line.split():
                            genders[line.split()[0]] = gender
        return genders

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        if part not in self.parts():
            raise ValueError(f"{self.name}: unknown part {part!r}")
        split = next(s for p, _, s in _PARTS if p == part)
        protocol = self._protocol(part)
        flacs = self.root.find(f"{self._base}ASVspoof2019_LA_{part}/flac", ".flac")
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for line_no, line in enumerate(self.root.read_text(protocol).splitlines(), 1):
            cols = line.split()
            if not cols:
                continue
            where = f"{protocol}:{line_no}"
            if len(cols) != 5:
                problems.append(Problem(where, "bad_index", f"expected '<speaker> <id> - <system> <key>': {line!r}"))
                continue
            speaker, utt, _, system, key = cols
            if key not in KEYS or (key == "spoof" and system not in ATTACK_VOCODERS):
                problems.append(Problem(where, "unknown_label", f"key {key!r} / system {system!r} is not known"))
                continue
            audio = f"{self._base}ASVspoof2019_LA_{part}/flac/{utt}.flac"
            if audio not in flacs:
                problems.append(Problem(audio, "missing_audio", f"{where} lists {utt}"))
                continue
            bonafide = key == "bonafide"
            meta = compact(
                {
                    "spoof": key,
                    "attack": None if bonafide else system,
                    "vocoder": None if bonafide else vocab.vocoder(ATTACK_VOCODERS[system]),
                    "speaker": vocab.speaker(self.name, speaker) if bonafide else None,
                    "gender": self._genders.get(speaker) if bonafide else None,
                    "language": "English",
                    "language_code": "en",
                }
            )
            recordings.append(Recording(utt, audio, split, meta, flacs[audio]))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
