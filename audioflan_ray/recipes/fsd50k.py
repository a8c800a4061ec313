"""FSD50K — 51,197 Freesound clips (0.3-30 s) labelled with 200 classes of the AudioSet ontology.

- Source: https://zenodo.org/record/4060432 (Fonseca et al., "FSD50K: an Open Dataset of Human-Labeled Sound
  Events", TASLP 2022). The dataset as a whole is CC BY 4.0; each clip keeps its Freesound licence (CC0, CC BY,
  CC BY-NC, CC Sampling+; listed in ``FSD50K.metadata/{dev,eval}_clips_info_FSD50K.json``), so some clips are
  **non-commercial**.
- Native layout: ``FSD50K.ground_truth/dev.csv`` (header ``fname,labels,mids,split``; ``labels`` and ``mids`` quoted
  comma lists, ``split`` train or val), ``FSD50K.ground_truth/eval.csv`` (``fname,labels,mids``) and
  ``vocabulary.csv`` (headerless ``index,label,mid``; not needed: the labels name themselves);
  ``FSD50K.dev_audio/<fname>.wav`` and ``FSD50K.eval_audio/<fname>.wav`` (44.1 kHz mono 16-bit PCM; ``fname`` is
  the Freesound id). Labels are AudioSet names with ``_`` for spaces and ``_and_`` for ``, ``
  (``Accelerating_and_revving_and_vroom``), "smeared": every ancestor of an annotated class is listed too, after the
  annotated (most specific) ones.
- Labels: ``labels`` = every label in words (``vocab.fsd50k_class``: first synonym, ``Walk_and_footsteps`` ->
  ``walk``), comma-separated in the file's order. ``label`` = the first (most specific) label, for clips of one
  annotated class only: those whose other labels all occur in every clip that has the first one, i.e. are its
  smeared ancestors (the release ships no hierarchy; the ground truth itself gives it). A clip with several
  annotated classes (electric guitar and applause) has no single label.
- Split: the official one; dev ``train`` -> train, dev ``val`` -> dev, eval -> test (dev and eval have no uploader
  in common).
- Problems: a row without fname or labels, or a dev row whose split is not train/val -> ``bad_metadata``; a clip
  listed twice -> ``duplicate``; a listed clip without audio -> ``missing_audio``; a wav no row lists ->
  ``missing_label``.
"""

from __future__ import annotations

import csv
import posixpath
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register

GROUND_TRUTH = "FSD50K.ground_truth"
SETS = {"dev": "FSD50K.dev_audio", "eval": "FSD50K.eval_audio"}
DEV_SPLITS = {"train": "train", "val": "dev"}


@register
class FSD50K(Recipe):
    name = "fsd50k"
    domain = "audio"
    source = ["freesound"]
    number = 184
    license = (
        "CC-BY-4.0 (dataset); each clip under its Freesound licence (CC0, CC-BY, CC-BY-NC, Sampling+), "
        "some non-commercial"
    )
    citation = r"""@article{fonseca2022fsd50k,
  title = {{FSD50K}: An Open Dataset of Human-Labeled Sound Events},
  author = {Fonseca, Eduardo and Favory, Xavier and Pons, Jordi and Font, Frederic and Serra, Xavier},
  journal = {IEEE/ACM Transactions on Audio, Speech, and Language Processing},
  volume = {30},
  pages = {829--852},
  year = {2022},
  doi = {10.1109/TASLP.2021.3133208}
}"""
    provides = frozenset({"label", "labels"})

    def check_layout(self) -> list[str]:
        if not any(self.root.exists(f"{GROUND_TRUTH}/{s}.csv") for s in SETS):
            return [f"fsd50k: no {GROUND_TRUTH}/dev.csv or eval.csv under {self.root.uri}; is this the FSD50K root?"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        problems: list[Problem] = []
        rows: list[tuple[str, str, str, list[str]]] = []  # fname, audio, split, labels
        listed: set[str] = set()
        wavs: dict[str, int] = {}
        for subset, folder in SETS.items():
            wavs.update(self.root.find(folder, ".wav"))
            index = f"{GROUND_TRUTH}/{subset}.csv"
            if not self.root.exists(index):
                continue
            for row_no, row in enumerate(csv.DictReader(self.root.read_text(index).splitlines()), 2):
                where = f"{index}:{row_no}"
                fname = (row.get("fname") or "").strip()
                labels = [x.strip() for x in (row.get("labels") or "").split(",") if x.strip()]
                split = "test" if subset == "eval" else DEV_SPLITS.get((row.get("split") or "").strip())
                if not fname or not labels or split is None:
                    problems.append(Problem(where, "bad_metadata", f"expected fname, labels (and train|val): {row}"))
                    continue
                if fname in listed:
                    problems.append(Problem(where, "duplicate", f"clip {fname} is listed before"))
                    continue
                listed.add(fname)
                rows.append((fname, posixpath.join(folder, f"{fname}.wav"), split, labels))
        # The labels every clip with a given label also has: its smeared ancestors (and, rarely, a constant companion).
        implied: dict[str, set[str]] = {}
        for *_, labels in rows:
            for x in labels:
                implied[x] = implied[x] & set(labels) if x in implied else set(labels)
        recordings: list[Recording] = []
        for fname, audio, split, labels in rows:
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"the ground truth lists {fname}"))
                continue
            words = list(dict.fromkeys(vocab.fsd50k_class(x) for x in labels))
            single = set(labels) == implied[labels[0]]
            meta = {"labels": ", ".join(words), "label": words[0] if single else None}
            recordings.append(Recording(fname, audio, split, compact(meta), wavs[audio]))
        listed_audio = {audio for _, audio, _, _ in rows}
        unlisted = [w for w in wavs if w not in listed_audio]
        problems += [Problem(w, "missing_label", "no ground-truth row lists this clip") for w in unlisted]
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
