"""ESD (Emotional Speech Dataset) — 10 Mandarin and 10 English speakers, each reading 350 parallel sentences in 5
emotions, 16 kHz WAV.

- Source: https://github.com/HLTSingapore/Emotional-Speech-Data — research use only, NON-COMMERCIAL (the ReadMe: "The
  ESD database only can be used for research purpose").
- Native layout (the ``Emotion Speech Dataset`` folder of the zip; the root may be it, its parent, or the parent of
  ``Emotional Speech Dataset (ESD)/Emotion Speech Dataset``): ``ReadMe.txt`` (lines ``0001: Chinese Female`` ...
  ``0020: English Male``), and per speaker ``0001``-``0020``: ``<spk>/<spk>.txt`` (``<spk>_<6 digits> <TAB> text
  <TAB> emotion``; encodings differ per speaker: GB2312, UTF-16 with BOM, UTF-8 or Latin-1) and
  ``<spk>/<Angry|Happy|Neutral|Sad|Surprise>/<train|evaluation|test>/<spk>_<6 digits>.wav``. Utterances
  000001-000350 are Neutral, 000351-000700 Angry, 000701-001050 Happy, 001051-001400 Sad, 001401-001750 Surprise: the
  same 350 sentences in each emotion.
- Labels: emotion from the folder (the text file's emotion column, Chinese words for the Mandarin speakers, repeats
  it); transcript from the speaker's text file; speaker ``esd_<spk>``; gender and language from ``ReadMe.txt`` (Chinese
  -> Mandarin Chinese); without the ReadMe, language by the corpus's numbering (0001-0010 Mandarin, 0011-0020
  English) and no gender. ``parallel_id`` = ``<spk>_<sentence 001-350>``: the same sentence by the same speaker in
  the other emotions (emotion conversion); set only where the folder's emotion agrees with the numbering.
- Split: the ``train`` / ``evaluation`` (-> dev) / ``test`` folder (official).
- Parts: one per speaker, in id order (the concatenation is sorted).
- Problems: a text line that is not ``id <TAB> text [<TAB> emotion]`` (``bad_transcript``; the wav is still a
  recording, without transcript), a wav no line names (``missing_transcript``, same), a text line naming no wav
  (``missing_audio``), a wav outside ``<emotion>/<split>/`` or of an unknown emotion (``bad_layout``).
"""

from __future__ import annotations

import codecs
import posixpath
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_SPLITS = {"train": "train", "evaluation": "dev", "test": "test"}
_BLOCKS = ("neutral", "angry", "happy", "sad", "surprised")  # utterance numbering, 350 per emotion
_BASES = ("", "Emotion Speech Dataset/", "Emotional Speech Dataset (ESD)/Emotion Speech Dataset/")
_README = re.compile(r"\s*(\d{4})\s*:\s*(Chinese|English)\s+(Female|Male)\b", re.IGNORECASE)


def decode(data: bytes, mandarin: bool) -> str:
    """A speaker's text file in whichever encoding it was saved: BOM-marked UTF-16/UTF-8, else UTF-8, else GB18030
    (a superset of GB2312) for a Mandarin speaker or Windows-1252 (then Latin-1) for an English one."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig")
    for encoding in ("utf-8", "gb18030" if mandarin else "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


@register
class ESD(Recipe):
    name = "esd"
    domain = "speech"
    source = ["studio"]
    number = 105
    license = "ESD licence (research use only, non-commercial)"
    citation = r"""@inproceedings{zhou2021esd,
  title = {Seen and Unseen Emotional Style Transfer for Voice Conversion with a New Emotional Speech Dataset},
  author = {Zhou, Kun and Sisman, Berrak and Liu, Rui and Li, Haizhou},
  booktitle = {IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  pages = {920--924},
  year = {2021},
  doi = {10.1109/ICASSP39728.2021.9413391}
}"""
    provides = frozenset({"transcript", "emotion", "speaker", "gender", "language", "parallel_id"})

    @cached_property
    def base(self) -> str:
        for base in _BASES:
            if self.root.isdir(base or "") and self._speakers_in(base):
                return base
        return ""

    def _speakers_in(self, base: str) -> list[str]:
        return [d for d in self.root.ls_dirs(base) if re.fullmatch(r"\d{4}", d)]

    def check_layout(self) -> list[str]:
        if not self.root.isdir() or not self._speakers_in(self.base):
            where = f"under {self.root.uri} (nor under Emotion Speech Dataset/)"
            return [f"esd: no speaker folder 0001 ... 0020 with <spk>/<spk>.txt {where}"]
        return []

    @cached_property
    def speakers(self) -> dict[str, dict[str, Any]]:
        """Speaker -> {language, gender} from ReadMe.txt; by numbering (language only) for speakers it omits."""
        info: dict[str, dict[str, Any]] = {}
        readme = next((self.base + n for n in ("ReadMe.txt", "README.txt") if self.root.exists(self.base + n)), None)
        if readme:
            for line in decode(self.root.read_bytes(readme), False).splitlines():
                m = _README.match(line)
                if m:
                    lang = "Mandarin Chinese" if m.group(2).lower() == "chinese" else "English"
                    info[m.group(1)] = {"language": lang, "gender": vocab.gender(m.group(3))}
        for spk in self._speakers_in(self.base):
            info.setdefault(spk, {"language": "Mandarin Chinese" if int(spk) <= 10 else "English"})
        return info

    def parts(self) -> list[str]:
        return sorted(self._speakers_in(self.base)) if self.root.isdir() else []

    def scan(self) -> Iterator[Recording | Problem]:
        for part in self.parts():
            yield from self.scan_part(part)

    def _texts(self, spk: str) -> tuple[dict[str, str], list[Problem], set[str]]:
        """Utterance id -> text from ``<spk>/<spk>.txt``, problems for its unreadable lines, and their ids."""
        path = f"{self.base}{spk}/{spk}.txt"
        texts: dict[str, str] = {}
        problems: list[Problem] = []
        spoilt: set[str] = set()
        if not self.root.exists(path):
            return texts, problems, spoilt
        mandarin = self.speakers[spk]["language"] != "English"
        for line_no, line in enumerate(decode(self.root.read_bytes(path), mandarin).splitlines(), 1):
            if not line.strip():
                continue
            cols = line.strip().split("\t")
            if len(cols) in (2, 3) and re.fullmatch(rf"{spk}_\d{{6}}", cols[0].strip()) and cols[1].strip():
                texts[cols[0].strip()] = vocab.text(cols[1])
                continue
            problems.append(
                Problem(f"{path}:{line_no}", "bad_transcript", f"expected 'id<TAB>text<TAB>emotion': {line!r}")
            )
            head = re.match(rf"{spk}_\d{{6}}", line.strip())
            if head:
                spoilt.add(head.group(0))
        return texts, problems, spoilt

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        spk = part
        if spk not in self.speakers:
            raise ValueError(f"{self.name}: unknown part {part!r}")
        texts, problems, spoilt = self._texts(spk)
        recordings: list[Recording] = []
        info = self.speakers[spk]
        for path, size in self.root.find(f"{self.base}{spk}", ".wav").items():
            parts = path[len(self.base) :].split("/")
            utt = posixpath.basename(path)[: -len(".wav")]
            if len(parts) != 4 or parts[2] not in _SPLITS or not re.fullmatch(rf"{spk}_\d{{6}}", utt):
                problems.append(
                    Problem(path, "bad_layout", "expected <spk>/<Emotion>/<train|evaluation|test>/<id>.wav")
                )
                continue
            try:
                emotion = vocab.emotion(parts[1])
            except ValueError:
                problems.append(Problem(path, "bad_layout", f"unknown emotion folder {parts[1]!r}"))
                continue
            if utt not in texts and utt not in spoilt:
                problems.append(Problem(path, "missing_transcript", f"no line of {spk}/{spk}.txt names {utt}"))
            n = int(utt[-6:]) - 1
            block = _BLOCKS[n // 350] if n // 350 < len(_BLOCKS) else None
            meta = compact(
                {
                    "transcript": texts.get(utt),
                    "emotion": emotion,
                    "speaker": vocab.speaker(self.name, spk),
                    "gender": info.get("gender"),
                    "language": info["language"],
                    "parallel_id": f"{spk}_{n % 350 + 1:03d}" if block == emotion else None,
                }
            )
            recordings.append(Recording(utt, path, _SPLITS[parts[2]], meta, size))
        named = {r.recording_id for r in recordings}
        for utt in texts:
            if utt not in named:
                problems.append(Problem(f"{self.base}{spk}/{spk}.txt", "missing_audio", f"{utt}: no wav"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: (p.path, p.message))
