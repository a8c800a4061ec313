"""Microsoft Deep Noise Suppression (DNS) Challenge data — clean speech, noise and synthetic noisy/clean test pairs.
Two recipes: ``dns_challenge`` (speech: the clean speech and the test pairs) and ``dns_noise`` (audio: the noise
clips, meant as the noise pool ``audio.simulate.noise`` of denoising and SNR tasks, and as background sounds).

- Source: https://github.com/microsoft/DNS-Challenge (data CC BY 4.0 per its ``LICENSE``; the clean speech is from
  LibriVox (public domain), the noise from AudioSet and Freesound, the test speech from Graz University's PTDB-TUG).
- Native layouts (the root is the repository / download folder holding ``datasets/`` or ``datasets_fullband/``, or
  ``datasets`` itself):
  - Interspeech 2020 (DNS 1): ``datasets/clean/book_<5>_chp_<4>_reader_<5>_<n>.wav`` (31 s LibriVox segments),
    ``datasets/noise/<clip>.wav`` (AudioSet clips named by YouTube id, Freesound clips named
    ``<class>_Freesound_validated_<id>_<n>.wav``), ``datasets/test_set/synthetic/{no_reverb,with_reverb}/
    {clean,noisy}/`` with ``clean/clean_fileid_<N>.wav`` and ``noisy/<clean>_<noise>_snr<S>_tl<L>_fileid_<N>.wav``
    (the names ``noisyspeech_synthesizer`` gives), ``datasets/test_set/real_recordings/`` and
    ``datasets/blind_test_set/`` (noisy only: not read, they have no clean reference);
  - ICASSP 2021 / Interspeech 2021 (DNS 2, 3): ``datasets/clean/<subset>/`` with subsets ``read_speech``,
    ``emotional_speech``, ``singing_voice``, ``french_data``, ``german_speech``, ``italian_speech``,
    ``mandarin_speech``, ``russian_speech``, ``spanish_speech``; ``datasets/noise/``;
    ``datasets/impulse_responses/{SLR26,SLR28}/``; ``datasets/dev_testset/`` (not read: no clean references);
  - fullband (DNS 3-5): the same under ``datasets_fullband/{clean_fullband,noise_fullband,impulse_responses}/``
    (clean subsets add ``vctk_wav48_silence_trimmed`` and ``VocalSet_48kHz_mono``).
- ``dns_challenge`` recordings: every clean wav (denoising, dereverberation, declipping, bandwidth extension and
  VAD build their inputs from it; its speech activity is the clean signal's), with the LibriVox reader as
  ``speaker`` (``dns_challenge_06709``) where the name holds ``reader_<id>``, the language of the subset
  (``read_speech`` / ``emotional_speech`` / VCTK English, ``german_speech`` German...), ``speaking_style`` ``singing``
  for the singing subsets; and every synthetic test pair as the noisy file with ``target_audio`` its clean file
  (for ``with_reverb`` that reference is the reverberant clean speech, as the challenge gives it).
- ``dns_noise`` recordings: every noise wav; Freesound clips keep their class word as ``label``.
- Room impulse responses (``impulse_responses/``) are not recordings: they are not audio any task takes as input or
  answers about, and as audio-domain recordings they would be read as "noise". Dereverberation builds its rooms
  with the synthetic RIRs of ``audio/simulate.py``; a real-RIR pool would read ``impulse_responses/`` (SLR26
  simulated rooms, SLR28 real RIRs) from the same root.
- Splits: the DNS training data has none. Clean speech with a reader id: ``speaker_split`` (held-out readers); other
  clean speech and the noise: ``hash_split(recording_id)``; the synthetic test pairs: test.
- Problems: a noisy test file without its clean file (``missing_target``), a clean test file without a noisy one
  (``missing_audio``), a noisy name without ``_fileid_<N>`` (``bad_layout``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register, speaker_split

#: clean subset folder -> (language, speaking style)
_SUBSETS: dict[str, tuple[str | None, str | None]] = {
    "read_speech": ("English", "read"),
    "emotional_speech": (None, None),
    "singing_voice": (None, "singing"),
    "VocalSet_48kHz_mono": (None, "singing"),
    "vctk_wav48_silence_trimmed": ("English", "read"),
    "french_data": ("French", None),
    "french_speech": ("French", None),
    "german_speech": ("German", None),
    "italian_speech": ("Italian", None),
    "mandarin_speech": ("Mandarin Chinese", None),
    "russian_speech": ("Russian", None),
    "spanish_speech": ("Spanish", None),
}
_CODES = {
    "English": "en",
    "French": "fr",
    "German": "de",
    "Italian": "it",
    "Mandarin Chinese": "cmn",
    "Russian": "ru",
    "Spanish": "es",
}
_READER = re.compile(r"reader_(\d+)")
_FILEID = re.compile(r"_fileid_(\d+)$")
_FREESOUND = re.compile(r"(?P<label>.+?)_Freesound_validated_\d+(?:_\d+)?")
_TEST = "test_set/synthetic"


class _DNS(Recipe):
    """Finding the DNS ``datasets`` folders under the root (wideband and fullband)."""

    @cached_property
    def _bases(self) -> list[str]:
        """``datasets/``, ``datasets_fullband/`` (whichever exist), or "" when the root is a datasets folder."""
        bases = [f"{d}/" for d in ("datasets", "datasets_fullband") if self.root.isdir(d)]
        return bases or [""]

    def _dirs(self, names: tuple[str, ...]) -> list[str]:
        return [f"{b}{n}" for b in self._bases for n in names if self.root.isdir(f"{b}{n}")]


@register
class DNSChallenge(_DNS):
    name = "dns_challenge"
    domain = "speech"
    source = ["audiobook"]
    number = 129
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{reddy2020dns,
  title = {The {INTERSPEECH} 2020 Deep Noise Suppression Challenge: Datasets, Subjective Testing Framework, and
    Challenge Results},
  author = {Reddy, Chandan K. A. and Gopal, Vishak and Cutler, Ross and Beyrami, Ebrahim and Cheng, Roger and Dubey,
    Harishchandra and Matusevych, Sergiy and Aichner, Robert and Aazami, Ashkan and Braun, Sebastian and Rana, Puneet
    and Srinivasan, Sriram and Gehrke, Johannes},
  booktitle = {Proc. Interspeech 2020},
  pages = {2492--2496},
  year = {2020},
  doi = {10.21437/Interspeech.2020-3038}
}"""
    provides = frozenset({"speaker", "language", "language_code", "speaking_style", "target_audio"})

    def _clean_dirs(self) -> list[str]:
        return self._dirs(("clean", "clean_fullband"))

    def check_layout(self) -> list[str]:
        if not self._clean_dirs() and not self._dirs((_TEST,)):
            return [
                f"dns_challenge: no datasets/clean, datasets_fullband/clean_fullband nor datasets/{_TEST} under "
                f"{self.root.uri} (nor in it); is this the DNS-Challenge folder?"
            ]
        return []

    @cached_property
    def _parts(self) -> list[str]:
        parts = []
        for clean in self._clean_dirs():
            subsets = [f"{clean}/{d}" for d in self.root.ls_dirs(clean)]
            flat = self.root.glob(f"{clean}/*.wav")
            parts += ([clean] if flat else []) + subsets
        return parts + [f"{t}/{d}" for t in self._dirs((_TEST,)) for d in self.root.ls_dirs(t)]

    def parts(self) -> list[str]:
        """Each clean subset folder (or a flat clean folder), then each synthetic test set folder."""
        return list(self._parts)

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        if part not in self._parts:
            raise ValueError(f"{self.name}: unknown part {part!r}")
        if f"{_TEST}/" in part:
            yield from self._test_pairs(part)
            return
        subset = posixpath.basename(part)
        flat = subset in ("clean", "clean_fullband")  # Interspeech 2020: LibriVox read speech, no subsets
        language, style = ("English", "read") if flat else _SUBSETS.get(subset, (None, None))
        recordings = []
        for audio, size in self.root.find(part, ".wav").items():
            rel = audio[len(part) + 1 : -len(".wav")]
            if flat and "/" in rel:  # a subset folder: its own part
                continue
            rec_id = rel.replace("/", "_") if flat else f"{subset}_{rel.replace('/', '_')}"
            reader = _READER.search(posixpath.basename(rel))
            meta = compact(
                {
                    "speaker": vocab.speaker(self.name, reader.group(1)) if reader else None,
                    "language": language,
                    "language_code": _CODES.get(language or ""),
                    "speaking_style": style,
                }
            )
            split = speaker_split(self.name, reader.group(1)) if reader else hash_split(rec_id)
            recordings.append(Recording(rec_id, audio, split, meta, size))
        yield from sorted(recordings, key=lambda r: r.recording_id)

    def _test_pairs(self, part: str) -> Iterator[Recording | Problem]:
        condition = posixpath.basename(part)
        noisy = self.root.find(f"{part}/noisy", ".wav")
        clean = self.root.find(f"{part}/clean", ".wav")
        recordings: list[Recording] = []
        problems: list[Problem] = []
        paired: set[str] = set()
        for audio, size in noisy.items():
            m = _FILEID.search(posixpath.basename(audio)[: -len(".wav")])
            if not m:
                problems.append(Problem(audio, "bad_layout", "a noisy test file is named <...>_fileid_<N>.wav"))
                continue
            target = f"{part}/clean/clean_fileid_{m.group(1)}.wav"
            if target not in clean:
                problems.append(Problem(audio, "missing_target", f"no {target}"))
                continue
            paired.add(target)
            meta: dict[str, Any] = {"target_audio": target, "language": "English", "language_code": "en"}
            recordings.append(Recording(f"test_{condition}_fileid_{m.group(1)}", audio, "test", meta, size))
        for target in clean:
            if target not in paired:
                problems.append(Problem(target, "missing_audio", f"no {part}/noisy/*_fileid_<N>.wav for it"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)


@register
class DNSNoise(_DNS):
    name = "dns_noise"
    domain = "audio"
    source = ["youtube", "freesound"]
    number = 130
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{reddy2020dns,
  title = {The {INTERSPEECH} 2020 Deep Noise Suppression Challenge: Datasets, Subjective Testing Framework, and
    Challenge Results},
  author = {Reddy, Chandan K. A. and Gopal, Vishak and Cutler, Ross and Beyrami, Ebrahim and Cheng, Roger and Dubey,
    Harishchandra and Matusevych, Sergiy and Aichner, Robert and Aazami, Ashkan and Braun, Sebastian and Rana, Puneet
    and Srinivasan, Sriram and Gehrke, Johannes},
  booktitle = {Proc. Interspeech 2020},
  pages = {2492--2496},
  year = {2020},
  doi = {10.21437/Interspeech.2020-3038}
}"""
    provides = frozenset({"label"})

    def check_layout(self) -> list[str]:
        if not self._dirs(("noise", "noise_fullband")):
            return [
                f"dns_noise: no datasets/noise nor datasets_fullband/noise_fullband under {self.root.uri} (nor in "
                "it); is this the DNS-Challenge folder?"
            ]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        recordings = []
        for folder in self._dirs(("noise", "noise_fullband")):
            for audio, size in self.root.find(folder, ".wav").items():
                rec_id = audio[len(folder) + 1 : -len(".wav")].replace("/", "_")
                m = _FREESOUND.fullmatch(posixpath.basename(audio)[: -len(".wav")])
                meta = compact({"label": vocab.words(m.group("label")) if m else None})
                recordings.append(Recording(rec_id, audio, hash_split(rec_id), meta, size))
        yield from sorted(recordings, key=lambda r: r.recording_id)
