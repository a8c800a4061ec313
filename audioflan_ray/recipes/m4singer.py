"""M4Singer — a multi-style, multi-singer Mandarin singing corpus: 20 professional singers of the four voice parts
(soprano, alto, tenor, bass), 700 songs, about 30 hours, cut into utterances with phoneme-aligned scores.

- Source: https://github.com/M4Singer/M4Singer (Zhang et al., NeurIPS 2022 Datasets and Benchmarks), by application
  and signed agreement; licence CC BY-NC-SA 4.0 (``dataset_license.md``, non-commercial).
- Native layout: ``<singer>#<song>/<n>.{wav,mid,TextGrid}`` (``Alto-1#美错/0000.wav``) and ``meta.json``, a list with
  one object per utterance: ``item_name`` (``<singer>#<song>#<n>``), ``wav_fn``, ``txt`` (the lyrics), ``phs``
  (pinyin initials and finals, ``<AP>``/``<SP>`` for breaths and pauses), ``ph_dur`` (aligned seconds),
  ``notes_pitch`` (MIDI per phoneme, 0 = rest), ``notes_dur``, ``is_slur``, ``wbd``, ``singer``. ``.mid`` and
  ``.TextGrid`` repeat what ``meta.json`` holds and are not read.
- Labels: ``lyrics`` = ``txt`` without breath/pause marks; ``notes`` = one note per final (an initial starts its
  final's note) timed by ``ph_dur``, in the ``_notes`` format; ``speaker`` = ``vocab.speaker("m4singer", singer)``;
  ``gender`` from the voice part (soprano and alto female, tenor and bass male); ``language`` Mandarin Chinese.
- Split: held-out singers (no singer in two splits): the singers of the authors' test songs (``test_prefixes`` of
  ``code/usr/configs/m4singer/base.yaml`` in their repository: Alto-1#暖暖, Alto-1#贝加尔湖畔, Tenor-2#十年,
  Tenor-2#理想三旬, Soprano-4#青藏高原, Bass-3#听海) are ``test`` with all their songs, the others ``train``. (A hash
  of 20 singers would leave test empty.)
- Audio path: ``<singer>#<song>/<n>.wav`` from ``item_name`` (the last two parts of ``wav_fn`` where it names an
  existing file, since ``wav_fn`` is written relative to the authors' own processing folders).
- Problems: an item whose wav is absent (``missing_audio``), a malformed item (``bad_row``), a wav that no item names
  (``missing_label``).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes._notes import notes_text, syllable_notes
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

_META = "meta.json"
#: Singers of the authors' test songs.
_TEST_SINGERS = frozenset({"Alto-1", "Tenor-2", "Soprano-4", "Bass-3"})
_PARTS = {"soprano": "female", "alto": "female", "tenor": "male", "bass": "male"}
_SILENCES = {"<AP>", "<SP>", "AP", "SP"}


def labels(item: dict[str, Any]) -> dict[str, Any]:
    """The metadata of one ``meta.json`` item; ValueError when it is malformed."""
    singer = str(item["singer"])
    phs, pitches, durs = list(item["phs"]), list(item["notes_pitch"]), [float(d) for d in item["ph_dur"]]
    if not len(phs) == len(pitches) == len(durs):
        raise ValueError(f"{len(phs)} phonemes, {len(pitches)} pitches, {len(durs)} durations")
    notes = syllable_notes(
        phs,
        [None if p in _SILENCES or not pitch else float(pitch) for p, pitch in zip(phs, pitches, strict=True)],
        durs,
    )
    part = re.match(r"[A-Za-z]+", singer)
    return {
        "lyrics": vocab.text(re.sub(r"<?(AP|SP)>?", "", str(item["txt"]))),
        "notes": notes_text(notes),
        "speaker": vocab.speaker("m4singer", singer),
        "gender": _PARTS.get(part.group(0).lower()) if part else None,
        "language": "Mandarin Chinese",
    }


@register
class M4Singer(Recipe):
    name = "m4singer"
    domain = "music"
    source = ["studio"]
    number = 8  # Audio-FLAN's own: music/08_m4singer/
    license = "CC-BY-NC-SA-4.0"
    citation = r"""@inproceedings{zhang2022m4singer,
  title = {{M4Singer}: A Multi-Style, Multi-Singer and Musical Score Provided {Mandarin} Singing Corpus},
  author = {Zhang, Lichao and Li, Ruiqi and Wang, Shoutong and Deng, Liqun and Liu, Jinglin and Ren, Yi and He,
    Jinzheng and Huang, Rongjie and Zhu, Jieming and Chen, Xiao and Zhao, Zhou},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS), Datasets and Benchmarks Track},
  year = {2022}
}"""
    provides = frozenset({"lyrics", "notes", "speaker", "gender", "language"})
    values = {"language": frozenset({"Mandarin Chinese"})}

    def check_layout(self) -> list[str]:
        if not self.root.exists(_META):
            return [f"m4singer: no {_META} under {self.root.uri}; is this the M4Singer root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        wavs = self.root.find("", ".wav")
        items = json.loads(self.root.read_text(_META))
        recordings: list[Recording] = []
        problems: list[Problem] = []
        listed: set[str] = set()
        for n, item in enumerate(items):
            name = str(item.get("item_name", "")) if isinstance(item, dict) else ""
            parts = name.split("#")
            if len(parts) != 3:
                problems.append(Problem(f"{_META}[{n}]", "bad_row", f"item_name {name!r} is not <singer>#<song>#<n>"))
                continue
            audio = self._audio(parts, str(item.get("wav_fn", "")), wavs)
            listed.add(audio)
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{_META} lists {name}"))
                continue
            try:
                meta = labels(item)
            except (KeyError, TypeError, ValueError) as e:
                problems.append(Problem(f"{_META}[{n}]", "bad_row", f"{name}: {type(e).__name__}: {e}"))
                continue
            split = "test" if parts[0] in _TEST_SINGERS else "train"
            recordings.append(Recording(name, audio, split, compact(meta), wavs[audio]))
        for audio in wavs:
            if audio not in listed:
                problems.append(Problem(audio, "missing_label", f"no {_META} item names {posixpath.basename(audio)}"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    @staticmethod
    def _audio(parts: list[str], wav_fn: str, wavs: dict[str, int]) -> str:
        tail = "/".join(wav_fn.replace("\\", "/").split("/")[-2:])
        if tail in wavs:
            return tail
        return f"{parts[0]}#{parts[1]}/{parts[2]}.wav"
