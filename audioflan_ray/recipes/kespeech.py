"""KeSpeech — read speech of standard Mandarin and eight Mandarin subdialects, 27,237 speakers, 16 kHz WAV.

- Source: https://github.com/KeSpeech/KeSpeech (NeurIPS 2021 Datasets and Benchmarks). Licence: the KeSpeech
  dataset licence, granted on application for **non-commercial research only** (no redistribution).
- Native layout (the root may be the ``KeSpeech`` folder itself or its parent):
  - ``Audio/<speaker>/phase{1,2}/<utt>.wav`` (utterance ids like ``1000002_5f6a2e40``);
  - ``Metadata/``: speaker tables ``spk2gender`` (``Male`` / ``Female``), ``spk2age`` (years), ``spk2city``, and the
    per-phase ``phase{1,2}.{text,wav.scp,...}`` lists;
  - ``Tasks/ASR/{train_phase1,train_phase2,dev_phase1,dev_phase2,test}/``: Kaldi-style folders with ``wav.scp``
    (``<utt> <path relative to the root>``), ``text`` (``<utt> <transcript>``), ``utt2spk`` and
    ``utt2subdialect`` (``Mandarin``, ``Beijing``, ``Ji-Lu``, ``Jiang-Huai``, ``Jiao-Liao``, ``Lan-Yin``,
    ``Northeastern``, ``Southwestern``, ``Zhongyuan``). The ASR task folders hold every utterance once; the
    ``SpeakerVerification`` and ``SubdialectID`` task folders re-list subsets of them and are not read.
- Labels: the transcript is the ``text`` line with the corpus's noise tags (``<SPOKEN_NOISE>``...) removed (the line as
  written is kept as ``raw_transcript`` when they differ); the subdialect in words through ``vocab.dialect``
  (``Southwestern`` -> ``Southwestern Mandarin``, ``Mandarin`` -> ``Standard Mandarin``); speaker
  ``kespeech_<id>``; gender, age group (from years) and city (``region``, as written) from ``Metadata``; language
  Mandarin Chinese (the subdialects are varieties of Mandarin).
- Split: the task folder, as the corpus defines it (``train_*`` -> train, ``dev_*`` -> dev, ``test`` -> test); its
  test speakers are held out from training.
- Problems: a ``wav.scp`` line whose file is absent (``missing_audio``), an utterance without a ``text`` line
  (``missing_transcript``) or whose text is only noise tags (``empty_transcript``), without ``utt2spk`` /
  ``utt2subdialect`` lines (``missing_label``), an unknown subdialect (``unknown_label``), a malformed line
  (``bad_index``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_TASKS = ("train_phase1", "train_phase2", "dev_phase1", "dev_phase2", "test")
_NOISE_TAG = re.compile(r"<[A-Z_]+>")


def _split(task: str) -> str:
    return "train" if task.startswith("train") else "dev" if task.startswith("dev") else "test"


@register
class KeSpeech(Recipe):
    name = "kespeech"
    domain = "speech"
    source = ["crowdsourced"]
    number = 120
    license = "KeSpeech dataset licence (non-commercial research only)"
    citation = r"""@inproceedings{tang2021kespeech,
  title = {{KeSpeech}: An Open Source Speech Dataset of {Mandarin} and Its Eight Subdialects},
  author = {Tang, Zhiyuan and Wang, Dong and Xu, Yanguang and Sun, Jianwei and Lei, Xiaoning and Zhao, Shuaijiang and
    Wen, Cheng and Tan, Xingjun and Xie, Chuandong and Zhou, Shuran and Yan, Rui and Lv, Chenjia and Han, Yang and
    Zou, Wei and Li, Xiangang},
  booktitle = {Proceedings of the Neural Information Processing Systems Track on Datasets and Benchmarks},
  year = {2021}
}"""
    values = {"language": frozenset({"Mandarin Chinese"})}
    provides = frozenset(
        {
            "transcript",
            "raw_transcript",
            "dialect",
            "speaker",
            "gender",
            "age",
            "region",
            "language",
            "language_code",
        }
    )

    @cached_property
    def _base(self) -> str:
        return "KeSpeech/" if self.root.isdir("KeSpeech/Tasks") else ""

    def _task_dir(self, task: str) -> str:
        return f"{self._base}Tasks/ASR/{task}/"

    def check_layout(self) -> list[str]:
        if not any(self.root.exists(self._task_dir(t) + "wav.scp") for t in _TASKS):
            return [
                f"kespeech: no Tasks/ASR/<{'|'.join(_TASKS)}>/wav.scp under {self.root.uri} (nor under KeSpeech/); "
                "is this the KeSpeech root?"
            ]
        return []

    def parts(self) -> list[str]:
        return [t for t in _TASKS if self.root.exists(self._task_dir(t) + "wav.scp")]

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def _table(self, rel: str, problems: list[Problem]) -> dict[str, str]:
        """A Kaldi ``<key> <value>`` file as a mapping (empty when absent); malformed lines become problems."""
        if not self.root.exists(rel):
            return {}
        table = {}
        for line_no, line in enumerate(self.root.read_text(rel).splitlines(), 1):
            if not line.strip():
                continue
            cols = line.strip().split(None, 1)
            if len(cols) < 2:
                problems.append(Problem(f"{rel}:{line_no}", "bad_index", f"expected '<key> <value>': {line!r}"))
                continue
            table[cols[0]] = cols[1].strip()
        return table

    @cached_property
    def _speakers(self) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
        problems: list[Problem] = []
        meta = f"{self._base}Metadata/"
        genders = self._table(meta + "spk2gender", problems)
        ages = self._table(meta + "spk2age", problems)
        cities = self._table(meta + "spk2city", problems)
        speakers: dict[str, dict[str, Any]] = {}
        for spk in sorted(set(genders) | set(ages) | set(cities)):
            try:
                speakers[spk] = {
                    "gender": vocab.canonical("gender", genders.get(spk)),
                    "age": vocab.canonical("age", ages.get(spk)),
                    "region": cities.get(spk),
                }
            except ValueError as err:
                problems.append(Problem(f"{meta}spk2*:{spk}", "unknown_label", str(err)))
        return speakers, problems

    @cached_property
    def _audio(self) -> dict[str, int]:
        return self.root.find(f"{self._base}Audio", ".wav")

    def _audio_rel(self, path: str) -> str:
        """A wav.scp path relative to the root: as written when relative, else from its ``Audio/`` component."""
        path = path.strip().replace("\\", "/")
        if path.startswith("/") and "/Audio/" in path:
            path = "Audio/" + path.rsplit("/Audio/", 1)[1]
        return self._base + path.removeprefix("./")

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        if part not in _TASKS:
            raise ValueError(f"{self.name}: unknown part {part!r}")
        folder = self._task_dir(part)
        problems: list[Problem] = []
        speakers, speaker_problems = self._speakers
        if part == self.parts()[0]:
            problems += speaker_problems
        wavs = self._table(folder + "wav.scp", problems)
        texts = self._table(folder + "text", problems)
        utt2spk = self._table(folder + "utt2spk", problems)
        utt2dialect = self._table(folder + "utt2subdialect", problems)
        recordings: list[Recording] = []
        for utt, path in wavs.items():
            audio = self._audio_rel(path)
            where = f"{folder}wav.scp:{utt}"
            if audio not in self._audio:
                problems.append(Problem(audio, "missing_audio", f"{where} names {path}, which is absent"))
                continue
            if utt not in texts:
                problems.append(Problem(where, "missing_transcript", f"no {folder}text line for {utt}"))
                continue
            raw = vocab.text(texts[utt])
            text = vocab.text(_NOISE_TAG.sub(" ", raw))
            if not text:
                problems.append(Problem(where, "empty_transcript", f"the text of {utt} is only noise tags: {raw!r}"))
                continue
            if utt not in utt2spk or utt not in utt2dialect:
                missing = "utt2spk" if utt not in utt2spk else "utt2subdialect"
                problems.append(Problem(where, "missing_label", f"no {folder}{missing} line for {utt}"))
                continue
            try:
                dialect = vocab.dialect(utt2dialect[utt])
            except ValueError as err:
                problems.append(Problem(where, "unknown_label", str(err)))
                continue
            spk = utt2spk[utt]
            meta = compact(
                {
                    "transcript": text,
                    "raw_transcript": raw if raw != text else None,
                    "dialect": dialect,
                    "speaker": vocab.speaker(self.name, spk),
                    **speakers.get(spk, {}),
                    "language": "Mandarin Chinese",
                    "language_code": "cmn",
                }
            )
            recordings.append(Recording(utt, audio, _split(part), meta, self._audio[audio]))
        for utt in sorted(set(texts) - set(wavs)):
            problems.append(Problem(f"{folder}text:{utt}", "bad_index", f"{utt} has a text line but no wav.scp line"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
