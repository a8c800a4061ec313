"""ADD 2023 — the Audio Deepfake Detection challenge's Mandarin speech, genuine or generated (track 1.2 layout).

- Source: http://addchallenge.cn/add2023 (Yi et al., "ADD 2023: the Second Audio Deepfake Detection Challenge",
  IJCAI 2023 workshop). Released on request to registered participants, for research use only (**non-commercial**);
  the labels of the test rounds were never published.
- Native layout: one folder per track (``Track1.2/``, as in the ``track1_2-train`` archive), holding
  ``{train,dev}/label.txt`` and ``{train,dev}/wav/<name>.wav`` (16 kHz mono); ``label.txt`` lines are
  ``<name> <genuine|fake>`` separated by a space (``ADD2023_T1.2_T_00000000.wav fake``). The unlabelled rounds
  ``test/`` and ``test2/`` (``ADD2023_T1.2R1_E_*.wav``) are not read. The root may be the folder holding the track
  folders or a track folder itself; every track folder with two-column labels is read.
- Labels: ``spoof`` = ``bonafide`` (genuine) or ``spoof`` (fake); ``content_class`` = speech (all of it is speech,
  real or generated).
- Split: train -> train; dev -> split in two by a stable hash of the name, half dev and half test (the evaluation
  rounds have no published labels).
- Problems: a line that is not ``<name> genuine|fake`` -> ``bad_metadata``; a listed file without audio ->
  ``missing_audio``; a wav no line lists -> ``missing_label``; a name listed twice -> ``duplicate``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from audioflan_ray.recipes.base import Problem, Recipe, Recording, hash_split, register

LABELS = {"genuine": "bonafide", "fake": "spoof"}
SPLITS = ("train", "dev")


@register
class ADD2023(Recipe):
    name = "add2023"
    domain = "audio"
    source = ["synthesized", "crowdsourced"]
    number = 186
    license = "research use only (ADD 2023 challenge terms, non-commercial)"
    citation = r"""@inproceedings{yi2023add,
  title = {{ADD} 2023: the Second Audio Deepfake Detection Challenge},
  author = {Yi, Jiangyan and Tao, Jianhua and Fu, Ruibo and Yan, Xinrui and Wang, Chenglong and Wang, Tao and Zhang,
    Chu Yuan and Zhang, Xiaohui and Zhao, Yan and Ren, Yong and others},
  booktitle = {Proceedings of the Workshop on Deepfake Audio Detection and Analysis (DADA), co-located with IJCAI 2023},
  year = {2023},
  eprint = {2305.13774},
  archivePrefix = {arXiv}
}"""
    provides = frozenset({"spoof", "content_class"})

    def _is_track(self, folder: str) -> bool:
        return any(self.root.exists(posixpath.join(folder, s, "label.txt")) for s in SPLITS)

    def _tracks(self) -> list[str]:
        if self._is_track(""):
            return [""]
        if not self.root.isdir():
            return []
        return [d for d in self.root.ls_dirs() if self._is_track(d)]

    def check_layout(self) -> list[str]:
        if not self._tracks():
            return [
                f"add2023: no <track>/{{train,dev}}/label.txt (e.g. Track1.2/train/label.txt) under {self.root.uri}"
            ]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: list[Recording] = []
        problems: list[Problem] = []
        seen: set[str] = set()
        for track in self._tracks():
            for split in SPLITS:
                label_file = posixpath.join(track, split, "label.txt")
                if not self.root.exists(label_file):
                    continue
                wav_dir = posixpath.join(track, split, "wav")
                wavs = self.root.find(wav_dir, ".wav")
                listed: set[str] = set()
                for line_no, line in enumerate(self.root.read_text(label_file).splitlines(), 1):
                    if not line.strip():
                        continue
                    where = f"{label_file}:{line_no}"
                    fields = line.split()
                    if len(fields) != 2 or fields[1] not in LABELS:
                        problems.append(Problem(where, "bad_metadata", f"expected '<name> genuine|fake': {line!r}"))
                        continue
                    name, label = fields
                    audio = posixpath.join(wav_dir, name)
                    listed.add(audio)
                    rec_id = posixpath.splitext(name)[0]
                    if rec_id in seen:
                        problems.append(Problem(where, "duplicate", f"{name} is listed before"))
                        continue
                    seen.add(rec_id)
                    if audio not in wavs:
                        problems.append(Problem(audio, "missing_audio", f"{where} lists {name}"))
                        continue
                    meta = {"spoof": LABELS[label], "content_class": "speech"}
                    ours = "train" if split == "train" else hash_split(f"add2023/{rec_id}", 50, 50)
                    recordings.append(Recording(rec_id, audio, ours, meta, wavs[audio]))
                unlisted = [w for w in wavs if w not in listed]
                problems += [Problem(w, "missing_label", f"no line of {label_file} lists this clip") for w in unlisted]
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
