"""AliMeeting — 118.75 hours of real Mandarin meetings (2-4 participants), far-field 8-channel array and near-field
headset recordings, 16 kHz WAV, annotated per speaker in Praat TextGrids (M2MeT challenge, ICASSP 2022).

- Source: https://www.openslr.org/119 (SLR119), CC BY-SA 4.0.
- Native layout: ``Train_Ali_far/`` and ``Train_Ali_near/`` at the root; ``Eval_Ali/{Eval_Ali_far,Eval_Ali_near}/``
  and ``Test_Ali/{Test_Ali_far,Test_Ali_near}/`` (or those folders at the root). Each holds ``audio_dir/`` and
  ``textgrid_dir/``:
  - far: ``audio_dir/R####_M####_MS###.wav`` (one 8-channel array recording per meeting) and
    ``textgrid_dir/R####_M####.TextGrid``, one IntervalTier per participant named ``R####_M####_<F|M>_SPK####``
    (or ``<F|M>_SPK####``), intervals holding what was said (empty text between utterances);
  - near: ``audio_dir/R####_M####_<F|M>_SPK####.wav`` (one headset per participant) and the TextGrid of the same
    name with that participant's utterances.
- Labels: far-field recordings carry ``turns``, every non-empty interval of every tier as ``start-end speaker``
  (``0.00-2.31 A, 2.40-5.02 B``), speakers renamed ``A``, ``B``, ``C``... in the order they first speak, turns sorted
  by start (overlaps kept: real meetings overlap). Near-field recordings carry the wearer as ``speaker``
  (``alimeeting_SPK0093``) and ``gender`` (from the ``F``/``M`` of the name) and their utterances as ``segments``,
  so that speaker tasks use windows of the wearer's own speech. The utterance texts are not kept: a recording holds
  one transcript and a meeting is many utterances, so AliMeeting does not feed ASR here. Language Mandarin Chinese.
  ``options.mics`` chooses ``["far", "near"]`` (default both).
- Split: the corpus's own Train / Eval (-> dev) / Test sets.
- Problems: a wav without its TextGrid (``missing_annotation``), a TextGrid without a wav (``missing_audio``), a
  TextGrid that does not parse or has no speech (``bad_annotation``), a name not in the layout above
  (``bad_layout``).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.errors import RecipeError
from audioflan_ray.recipes import _textgrid
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SETS = (("Train", "train"), ("Eval", "dev"), ("Test", "test"))
_MICS = ("far", "near")
_FAR_WAV = re.compile(r"(R\d+_M\d+)_MS\d+")
_NEAR_NAME = re.compile(r"R\d+_M\d+_([FM])_(SPK\d+)")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _speaker_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (meetings have at most four participants; the rest is for safety)."""
    return _LETTERS[index] if index < 26 else _speaker_letter(index // 26 - 1) + _LETTERS[index % 26]


def turns(tiers: list[_textgrid.Tier]) -> str:
    """Every non-empty interval as ``start-end X``, speakers lettered by first appearance, sorted by start."""
    spans = sorted(
        (start, end, order, tier.name)
        for order, tier in enumerate(tiers)
        for start, end, text in tier.spans
        if text.strip() and end > start
    )
    letters: dict[str, str] = {}
    for _, _, _, name in spans:
        letters.setdefault(name, _speaker_letter(len(letters)))
    return ", ".join(f"{start:.2f}-{end:.2f} {letters[name]}" for start, end, _, name in spans)


@register
class AliMeeting(Recipe):
    name = "alimeeting"
    domain = "speech"
    source = ["meeting"]
    number = 127
    license = "CC-BY-SA-4.0"
    citation = r"""@inproceedings{yu2022m2met,
  title = {{M2MeT}: The {ICASSP} 2022 Multi-Channel Multi-Party Meeting Transcription Challenge},
  author = {Yu, Fan and Zhang, Shiliang and Fu, Yihui and Xie, Lei and Zheng, Siqi and Du, Zhihao and Huang, Weilong
    and Guo, Pengcheng and Yan, Zhijie and Ma, Bin and Xu, Xin and Bu, Hui},
  booktitle = {IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  pages = {6167--6171},
  year = {2022},
  doi = {10.1109/ICASSP43922.2022.9746465}
}"""
    values = {"language": frozenset({"Mandarin Chinese"})}
    provides = frozenset({"turns", "speaker", "gender", "segments", "language", "language_code"})

    def _mics(self) -> tuple[str, ...]:
        mics = tuple(self.options.get("mics") or _MICS)
        unknown = set(mics) - set(_MICS)
        if unknown:
            raise RecipeError(f"alimeeting: options.mics {sorted(unknown)} not among {list(_MICS)}")
        return mics

    def parts(self) -> list[str]:
        """The ``<Set>_Ali_<mic>`` folders present, in set order (Eval and Test may sit in ``<Set>_Ali/``)."""
        found = []
        for name, _ in _SETS:
            for mic in self._mics():
                folder = f"{name}_Ali_{mic}"
                for candidate in (folder, f"{name}_Ali/{folder}"):
                    if self.root.isdir(f"{candidate}/textgrid_dir") or self.root.isdir(f"{candidate}/audio_dir"):
                        found.append(candidate)
                        break
        return found

    def check_layout(self) -> list[str]:
        if not self.parts():
            return [
                f"alimeeting: no <Train|Eval|Test>_Ali_<far|near>/textgrid_dir (nor Eval_Ali/, Test_Ali/ holding "
                f"them) under {self.root.uri}; is this the AliMeeting root?"
            ]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        if part not in self.parts():
            raise ValueError(f"{self.name}: unknown part {part!r}")
        folder = posixpath.basename(part)
        split = next(s for name, s in _SETS if folder.startswith(f"{name}_"))
        far = folder.endswith("_far")
        wavs = self.root.find(f"{part}/audio_dir", ".wav")
        grids = {
            posixpath.basename(p)[: -len(".TextGrid")]: p
            for p in self.root.find(f"{part}/textgrid_dir")
            if p.lower().endswith(".textgrid")
        }
        recordings: list[Recording] = []
        problems: list[Problem] = []
        used: set[str] = set()
        for audio, size in wavs.items():
            stem = posixpath.basename(audio)[: -len(".wav")]
            m = (_FAR_WAV if far else _NEAR_NAME).fullmatch(stem)
            if not m:
                expected = "R####_M####_MS###.wav" if far else "R####_M####_<F|M>_SPK####.wav"
                problems.append(Problem(audio, "bad_layout", f"expected {expected}"))
                continue
            key = m.group(1) if far else stem
            if key not in grids:
                problems.append(Problem(audio, "missing_annotation", f"no textgrid_dir/{key}.TextGrid"))
                continue
            used.add(key)
            try:
                tiers = _textgrid.parse(_textgrid.decode(self.root.read_bytes(grids[key])))
                meta = self._far_meta(tiers) if far else self._near_meta(tiers, m)
            except ValueError as err:
                problems.append(Problem(grids[key], "bad_annotation", str(err)))
                continue
            recordings.append(Recording(stem, audio, split, meta, size))
        for key, grid in grids.items():
            if key not in used:
                problems.append(Problem(grid, "missing_audio", f"no audio_dir wav for {key}"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    @staticmethod
    def _far_meta(tiers: list[_textgrid.Tier]) -> dict[str, Any]:
        timeline = turns(tiers)
        if not timeline:
            raise ValueError("the TextGrid has no non-empty interval")
        return compact({"turns": timeline, "language": "Mandarin Chinese", "language_code": "cmn"})

    @staticmethod
    def _near_meta(tiers: list[_textgrid.Tier], name: re.Match[str]) -> dict[str, Any]:
        spans = sorted(
            (round(s, 3), round(e, 3)) for tier in tiers for s, e, text in tier.spans if text.strip() and e > s
        )
        if not spans:
            raise ValueError("the TextGrid has no non-empty interval")
        return compact(
            {
                "speaker": vocab.speaker("alimeeting", name.group(2)),
                "gender": vocab.gender(name.group(1)),
                "segments": json.dumps([list(s) for s in spans]),
                "language": "Mandarin Chinese",
                "language_code": "cmn",
            }
        )
