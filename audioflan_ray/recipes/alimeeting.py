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
- Speech: an interval whose text is not empty once the annotation markers (``<sil>``, ``<%>``, ``<->``, ``<$>``,
  ``<#>``, ``<_>``, ``<space>``, which the M2MeT baseline's ``text_normalize.pl`` strips) are removed.
- Far-field recordings (the whole meeting, for diarization) carry ``turns``, every speech interval of every tier as
  ``start-end speaker`` (``0.00-2.31 A, 2.40-5.02 B``), speakers renamed ``A``, ``B``, ``C``... in the order they
  first speak, turns sorted by start (overlaps kept: real meetings overlap); ``device`` ``8-channel microphone array``.
- Near-field recordings are one per speech interval of the wearer's tier (id ``<wav stem>_<interval index>``: the
  interval's 0-based position in its tier, empty intervals counted, as lhotse numbers its supervisions, zero-padded
  to four digits), read from the wearer's headset wav: ``segments`` ``[[start, end]]`` (the build cuts that window
  and nothing else), ``transcript`` the interval's text without the markers, whitespace collapsed, punctuation kept;
  ``speaker`` (``alimeeting_SPK0093``) and ``gender`` (the ``F``/``M`` of the name); ``speaking_style``
  ``conversational``; ``device`` ``headset microphone``. A near TextGrid holding several tiers with speech uses the
  one named after the wearer. Language Mandarin Chinese. ``options.mics`` chooses ``["far", "near"]`` (default
  both).
- Split: the corpus's own Train / Eval (-> dev) / Test sets.
- Problems: a wav without its TextGrid (``missing_annotation``), a TextGrid without a wav (``missing_audio``), a
  TextGrid that does not parse, has no speech, or (near) has several speaking tiers none named after the wearer
  (``bad_annotation``), a name not in the layout above (``bad_layout``).
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
# Annotation markers inside interval texts (noise, silence, overlap...), not words said.
_MARKERS = re.compile(r"<(?:sil|%|-|\$|#|_|space)>")
FAR_DEVICE = "8-channel microphone array"
NEAR_DEVICE = "headset microphone"


def _speaker_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (meetings have at most four participants; the rest is for safety)."""
    return _LETTERS[index] if index < 26 else _speaker_letter(index // 26 - 1) + _LETTERS[index % 26]


def said(text: str) -> str:
    """An interval's words: the annotation markers removed, whitespace collapsed ("" for no speech)."""
    return " ".join(_MARKERS.sub("", text).split())


def turns(tiers: list[_textgrid.Tier]) -> str:
    """Every speech interval as ``start-end X``, speakers lettered by first appearance, sorted by start."""
    spans = sorted(
        (start, end, order, tier.name)
        for order, tier in enumerate(tiers)
        for start, end, text in tier.spans
        if said(text) and end > start
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
    provides = frozenset(
        {
            "turns",
            "speaker",
            "gender",
            "segments",
            "transcript",
            "speaking_style",
            "device",
            "language",
            "language_code",
        }
    )

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
                if far:
                    recordings.append(Recording(stem, audio, split, self._far_meta(tiers), size))
                else:
                    recordings.extend(
                        Recording(f"{stem}_{index:04d}", audio, split, meta, size)
                        for index, meta in self._near_utterances(tiers, m)
                    )
            except ValueError as err:
                problems.append(Problem(grids[key], "bad_annotation", str(err)))
        for key, grid in grids.items():
            if key not in used:
                problems.append(Problem(grid, "missing_audio", f"no audio_dir wav for {key}"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    @staticmethod
    def _far_meta(tiers: list[_textgrid.Tier]) -> dict[str, Any]:
        timeline = turns(tiers)
        if not timeline:
            raise ValueError("the TextGrid has no speech interval")
        return compact(
            {"turns": timeline, "device": FAR_DEVICE, "language": "Mandarin Chinese", "language_code": "cmn"}
        )

    @staticmethod
    def _near_utterances(tiers: list[_textgrid.Tier], name: re.Match[str]) -> list[tuple[int, dict[str, Any]]]:
        """(interval index, meta) of every speech interval of the wearer's tier."""
        speaking = [t for t in tiers if any(said(text) and e > s for s, e, text in t.spans)]
        if len(speaking) > 1:  # several tiers: the wearer's is the one named after them
            wearer = f"{name.group(1)}_{name.group(2)}"
            speaking = [t for t in speaking if t.name == wearer or t.name.endswith(f"_{wearer}")]
            if len(speaking) != 1:
                raise ValueError(f"several tiers with speech and not exactly one named after {wearer}")
        if not speaking:
            raise ValueError("the TextGrid has no speech interval")
        common = {
            "speaker": vocab.speaker("alimeeting", name.group(2)),
            "gender": vocab.gender(name.group(1)),
            "speaking_style": "conversational",
            "device": NEAR_DEVICE,
            "language": "Mandarin Chinese",
            "language_code": "cmn",
        }
        out = []
        for index, (start, end, text) in enumerate(speaking[0].spans):
            words = said(text)
            if words and end > start:
                window = [[round(start, 3), round(end, 3)]]
                out.append((index, compact({**common, "segments": json.dumps(window), "transcript": words})))
        return out
