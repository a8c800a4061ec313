"""AudioSet — 10-second YouTube segments labelled with classes of the AudioSet ontology, plus the strong labels.

- Source: https://research.google.com/audioset/download.html (index files CC BY 4.0; the ontology CC BY-SA 4.0);
  strong labels: https://research.google.com/audioset/download_strong.html (Hershey et al., ICASSP 2021). The audio
  is not distributed: each user downloads the YouTube segments, under YouTube's terms.
- Native layout (all in the corpus root; any subset may be present):
  ``{balanced_train,unbalanced_train,eval}_segments.csv``: three ``#`` comment lines (creation date; counts; the
  header ``# YTID, start_seconds, end_seconds, positive_labels``), then ``--PJHxphWEs, 30.000, 40.000,
  "/m/09x0r,/t/dd00088"`` (comma plus space separated, the label mids quoted);
  ``class_labels_indices.csv`` (``index,mid,display_name``, names quoted); ``ontology.json`` (a list of ``{id, name,
  description, citation_uri, positive_examples, child_ids, restrictions}``); the strong-label release
  ``audioset_{train,eval}_strong.tsv`` (header ``segment_id  start_time_seconds  end_time_seconds  label``,
  ``segment_id`` = ``<ytid>_<start in ms>``, one row per event) and ``mid_to_display_name.tsv`` (headerless
  ``mid<TAB>name``). ``audioset_eval_strong_framed_posneg.tsv`` (framed present/absent judgements) is not read.
  Clips: the folder ``options.audio_dir`` (default: the corpus root), listed once, in any layout downloaders write
  (``Y<ytid>.wav`` of PANNs, ``<ytid>_<start>_<end>.flac``...; see ``_youtube``).
- Labels: the positive mids -> ``labels``, display names (``class_labels_indices.csv``, else
  ``mid_to_display_name.tsv``, else ``ontology.json``) in words via ``vocab.sound_class`` (first synonym: ``Male
  speech, man speaking`` -> ``male speech``), comma-separated in the CSV's order; a clip with one positive label also
  gets ``label``. Strong labels -> ``events`` (``"0.000-4.512 speech, 5.100-9.000 gush"``, sorted by onset, times as
  the release writes them). ``content_class`` from the ontology (needs ``ontology.json``): every label is sorted into
  speech (the Speech and Whispering subtrees), music (Music and Singing), silence (Silence), neutral (the "Channel,
  environment and background" subtree: a room or a hiss says nothing of the content), other voice (the rest of Human
  voice: shouts, laughter...) or noise (everything else); a clip whose non-neutral labels all fall into one of
  speech / music / silence / noise gets that class, a mixed clip none.
- Recordings: one per segment of the segments CSVs (id ``<ytid>_<start in ms>``, the strong labels' segment id), plus
  the strong-labelled segments no segments CSV read here lists (labels from their events).
- Split: the official one — ``eval_segments.csv`` and ``audioset_eval_strong.tsv`` -> test; the train files -> train,
  of which a deterministic 5 % (``hash_split`` of the segment id) is carved out as dev (AudioSet has no dev set).
- Problems: a segment whose clip is not in the audio folder -> ``Absent`` ("clip missing"; expected for YouTube
  corpora); an unparseable row -> ``bad_metadata``; a mid no name file knows -> ``unknown_label`` (the clip keeps its
  other labels); a segment listed twice -> ``duplicate``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes._youtube import ClipFolder
from audioflan_ray.recipes.base import Absent, Problem, Recipe, Recording, compact, hash_split, register

SEGMENT_FILES = {"balanced_train_segments.csv": "train", "unbalanced_train_segments.csv": "train"}
SEGMENT_FILES["eval_segments.csv"] = "test"
STRONG_FILES = {"audioset_train_strong.tsv": "train", "audioset_eval_strong.tsv": "test"}
NAME_FILES = ("class_labels_indices.csv", "mid_to_display_name.tsv", "ontology.json")
DEV_PERCENT = 5

# Ontology subtrees that decide a clip's content class (``content_class``); see the module docstring.
_SPEECH = ("/m/09x0r", "/m/02rtxlg")  # Speech, Whispering
_MUSIC = ("/m/04rlf", "/m/015lz1")  # Music, Singing
_SILENCE = "/m/028v0c"
_NEUTRAL = "/t/dd00123"  # Channel, environment and background
_VOICE = "/m/09l8g"  # Human voice


@dataclass
class _Segment:
    ytid: str
    start: float
    end: float
    split: str
    mids: list[str] = field(default_factory=list)
    events: list[tuple[float, float, str, str]] = field(default_factory=list)  # start, end, written times, mid


def segment_id(ytid: str, start: float) -> str:
    """``<ytid>_<start in ms>``, as the strong labels name a segment."""
    return f"{ytid}_{round(start * 1000)}"


@register
class AudioSet(Recipe):
    name = "audioset"
    domain = "audio"
    source = ["youtube"]
    number = 180
    license = "CC-BY-4.0 (labels); audio under YouTube's terms"
    citation = r"""@inproceedings{gemmeke2017audioset,
  title = {Audio Set: An ontology and human-labeled dataset for audio events},
  author = {Gemmeke, Jort F. and Ellis, Daniel P. W. and Freedman, Dylan and Jansen, Aren and Lawrence, Wade and
    Moore, R. Channing and Plakal, Manoj and Ritter, Marvin},
  booktitle = {IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  pages = {776--780},
  year = {2017},
  doi = {10.1109/ICASSP.2017.7952261}
}"""
    provides = frozenset({"labels", "label", "events", "content_class"})

    def check_layout(self) -> list[str]:
        problems = []
        if not any(self.root.exists(f) for f in (*SEGMENT_FILES, *STRONG_FILES)):
            problems.append(
                f"audioset: none of {', '.join([*SEGMENT_FILES, *STRONG_FILES])} under {self.root.uri}; "
                "is this the AudioSet root?"
            )
        if not any(self.root.exists(f) for f in NAME_FILES):
            problems.append(f"audioset: no class names ({', '.join(NAME_FILES)}) under {self.root.uri}")
        return problems

    # -- index files -------------------------------------------------------------------------------------------------

    def _names(self) -> dict[str, str]:
        """mid -> display name; class_labels_indices.csv wins over mid_to_display_name.tsv over ontology.json."""
        names: dict[str, str] = {}
        names.update({c["id"]: c["name"] for c in self._ontology})
        if self.root.exists("mid_to_display_name.tsv"):
            for line in self.root.read_text("mid_to_display_name.tsv").splitlines():
                mid, _, name = line.partition("\t")
                if mid.strip() and name.strip():
                    names[mid.strip()] = name.strip()
        if self.root.exists("class_labels_indices.csv"):
            rows = csv.DictReader(self.root.read_text("class_labels_indices.csv").splitlines())
            names.update({r["mid"].strip(): r["display_name"].strip() for r in rows if r.get("mid")})
        return names

    @cached_property
    def _ontology(self) -> list[dict[str, Any]]:
        """The classes of ``ontology.json`` (read once per scan; empty without the file)."""
        if not self.root.exists("ontology.json"):
            return []
        data = json.loads(self.root.read_text("ontology.json"))
        return data if isinstance(data, list) else []

    def _buckets(self) -> dict[str, str]:
        """mid -> content bucket (speech / music / silence / neutral / voice / noise), from ontology.json."""
        parents: dict[str, set[str]] = {}
        for c in self._ontology:
            for child in c.get("child_ids", []):
                parents.setdefault(child, set()).add(c["id"])

        def ancestors(mid: str) -> set[str]:
            seen, todo = {mid}, [mid]
            while todo:
                for p in parents.get(todo.pop(), ()):
                    if p not in seen:
                        seen.add(p)
                        todo.append(p)
            return seen

        out = {}
        for c in self._ontology:
            up = ancestors(c["id"])
            if up & set(_SPEECH):
                out[c["id"]] = "speech"
            elif up & set(_MUSIC):
                out[c["id"]] = "music"
            elif c["id"] == _SILENCE:
                out[c["id"]] = "silence"
            elif _NEUTRAL in up:
                out[c["id"]] = "neutral"
            elif _VOICE in up:
                out[c["id"]] = "voice"
            else:
                out[c["id"]] = "noise"
        return out

    def _segments(self, problems: list[Problem]) -> dict[str, _Segment]:
        segments: dict[str, _Segment] = {}
        for filename, split in SEGMENT_FILES.items():
            if not self.root.exists(filename):
                continue
            lines = self.root.read_text(filename).splitlines()
            for row_no, row in enumerate(csv.reader(lines, skipinitialspace=True), 1):
                if not row or row[0].startswith("#"):
                    continue
                where = f"{filename}:{row_no}"
                try:
                    ytid, start, end, labels = row[0].strip(), float(row[1]), float(row[2]), row[3]
                except (IndexError, ValueError):
                    problems.append(Problem(where, "bad_metadata", f"expected YTID, start, end, labels: {row}"))
                    continue
                sid = segment_id(ytid, start)
                if sid in segments:
                    problems.append(Problem(where, "duplicate", f"segment {sid} is listed before"))
                    continue
                mids = [m.strip() for m in labels.split(",") if m.strip()]
                segments[sid] = _Segment(ytid, start, end, split, mids)
        for filename, split in STRONG_FILES.items():
            if not self.root.exists(filename):
                continue
            rows = csv.DictReader(self.root.read_text(filename).splitlines(), delimiter="\t")
            for row_no, r in enumerate(rows, 2):
                where = f"{filename}:{row_no}"
                sid, mid = (r.get("segment_id") or "").strip(), (r.get("label") or "").strip()
                t0, t1 = (r.get("start_time_seconds") or "").strip(), (r.get("end_time_seconds") or "").strip()
                try:
                    if len(sid) < 13 or sid[11] != "_" or not mid:
                        raise ValueError(sid)
                    onset, offset, start_ms = float(t0), float(t1), int(sid[12:])
                except ValueError:
                    problems.append(
                        Problem(where, "bad_metadata", f"expected <ytid>_<start ms>, start, end, label: {r}")
                    )
                    continue
                seg = segments.setdefault(sid, _Segment(sid[:11], start_ms / 1000, start_ms / 1000 + 10.0, split))
                seg.events.append((onset, offset, f"{t0}-{t1}", mid))
        return segments

    # -- scan --------------------------------------------------------------------------------------------------------

    def scan(self) -> Iterator[Recording | Problem | Absent]:
        problems: list[Problem] = []
        segments = self._segments(problems)
        names = self._names()
        buckets = self._buckets()
        clips = ClipFolder(self.root, str(self.options.get("audio_dir", "")))
        recordings: list[Recording] = []
        absent: list[Absent] = []
        unknown: dict[str, int] = {}
        for sid, seg in segments.items():
            mids = seg.mids or list(dict.fromkeys(m for *_, m in sorted(seg.events)))
            for mid in [*mids, *(m for *_, m in seg.events)]:
                if mid not in names:
                    unknown[mid] = unknown.get(mid, 0) + 1
            found = clips.locate(seg.ytid, seg.start, seg.end)
            if isinstance(found, Absent):
                absent.append(found)
                continue
            known = [m for m in mids if m in names]
            events = sorted(
                (t0, t1, times, vocab.sound_class(names[m])) for t0, t1, times, m in seg.events if m in names
            )
            meta = compact(
                {
                    "labels": ", ".join(dict.fromkeys(vocab.sound_class(names[m]) for m in known)) or None,
                    "label": vocab.sound_class(names[known[0]]) if len(known) == 1 == len(mids) else None,
                    "events": ", ".join(f"{times} {word}" for _, _, times, word in events) or None,
                    "content_class": self._content_class(mids, buckets),
                }
            )
            split = "test" if seg.split == "test" else hash_split(sid, DEV_PERCENT, 0)
            recordings.append(Recording(sid, found[0], split, meta, found[1]))
        for mid, count in unknown.items():
            problems.append(Problem(mid, "unknown_label", f"{count} label(s) name {mid}, which no name file lists"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(absent, key=lambda a: a.path)
        yield from sorted(problems, key=lambda p: p.path)

    @staticmethod
    def _content_class(mids: list[str], buckets: dict[str, str]) -> str | None:
        if not mids or any(m not in buckets for m in mids):
            return None
        found = {buckets[m] for m in mids} - {"neutral"}
        return found.pop() if len(found) == 1 and found <= {"speech", "music", "silence", "noise"} else None
