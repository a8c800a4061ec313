"""GTZAN Genre Collection — 1,000 thirty-second music excerpts, 100 per genre, 22.05 kHz mono.

- Source: http://marsyas.info/downloads/datasets.html (Tzanetakis & Cook, 2002). No licence: the excerpts were
  taken from CDs, radio and microphone recordings, so the corpus is research-use only and is never redistributed
  with this package.
- Native layout: ``genres/<genre>/<genre>.NNNNN.{au,wav}`` (the marsyas release is ``.au``; WAV re-encodings such
  as mirdata's keep the tree; Kaggle's copy names it ``genres_original/``). Other files (the marsyas ``*.mf``
  lists) are not audio and are not read.
- Labels: the genre is the folder name as lower-case words (``vocab.words``: ``hiphop`` -> ``hip hop``): blues,
  classical, country, disco, hip hop, jazz, metal, pop, reggae, rock.
- GTZAN-Rhythm annotations (beats and tempo; https://github.com/TempoBeatDownbeat/gtzan_tempo_beat, as mirdata's
  ``gtzan_genre`` loader reads them), when present: ``gtzan_tempo_beat-main/`` (the unzipped GitHub archive) or
  ``gtzan_tempo_beat/`` beside the genre folder, or option ``rhythm_dir``; ``beats/gtzan_<genre>_<NNNNN>.beats``
  (tab-separated ``time  beat-in-bar`` lines; ``*_noposition.beats`` holds the times alone) and
  ``tempo/gtzan_<genre>_<NNNNN>.bpm`` (one float). ``beats`` = the beat times in seconds, two decimals,
  comma-separated; ``tempo`` through ``vocab.tempo``. mirdata's data home (``gtzan_genre/genres/`` beside
  ``gtzan_tempo_beat-main/``) is read as it is.
- Split: the corpus defines none. When the root holds the fault-filtered lists of Kereliuk, Sturm & Larsen ("Deep
  learning and music adversaries", 2015; ``train_filtered.txt``, ``valid_filtered.txt``, ``test_filtered.txt``,
  one ``<genre>/<genre>.NNNNN.<ext>`` per line, as in github.com/coreyker/dnn-mgr) they are the split: they keep
  each artist in one split and leave out repeated and distorted excerpts, which are then ``unlisted``. Without
  them, ``hash_split(recording_id)`` (5 % dev, 5 % test), with ``recording_id`` the file stem (``blues.00000``).
- Problems: an audio file not directly inside a genre folder -> ``bad_layout``; a second file for the same stem
  (``.au`` beside ``.wav``, or both folders present) -> ``duplicate`` (``genres/`` and ``.wav`` win); with the
  filtered lists, an excerpt none of them lists -> ``unlisted``; an unreadable beat or tempo file ->
  ``bad_metadata``, an implausible tempo -> ``bad_label``; an annotation of an excerpt whose audio is absent ->
  ``missing_audio``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_GENRE_DIRS = ("genres", "genres_original", "gtzan_genre/genres")
_RHYTHM_DIRS = ("gtzan_tempo_beat-main", "gtzan_tempo_beat")
_SUFFIXES = (".wav", ".au")
_LISTS = {"train_filtered.txt": "train", "valid_filtered.txt": "dev", "test_filtered.txt": "test"}


@register
class GTZAN(Recipe):
    name = "gtzan"
    domain = "music"
    # Excerpts of CDs, radio and microphone recordings: "radio" is the closest Audio-FLAN source label.
    source = ["radio"]
    number = 40
    license = "No licence (research use only)"
    citation = r"""@article{tzanetakis2002genre,
  title = {Musical Genre Classification of Audio Signals},
  author = {Tzanetakis, George and Cook, Perry},
  journal = {IEEE Transactions on Speech and Audio Processing},
  volume = {10},
  number = {5},
  pages = {293--302},
  year = {2002},
  doi = {10.1109/TSA.2002.800560}
}"""
    provides = frozenset({"genre", "beats", "tempo"})

    def _audio(self) -> list[tuple[str, str, int]]:
        """(genre folder, audio file, size), preferred first: genres/ before genres_original/, .wav before .au."""
        return [
            (folder, *item)
            for folder in _GENRE_DIRS
            for suffix in _SUFFIXES
            for item in self.root.find(folder, suffix).items()
        ]

    def _listed(self) -> dict[str, str] | None:
        """recording id -> split from the fault-filtered lists, or None when the root has none of them."""
        if not any(self.root.exists(name) for name in _LISTS):
            return None
        splits = {}
        for name, split in _LISTS.items():
            if self.root.exists(name):
                for line in self.root.read_text(name).splitlines():
                    stem = posixpath.basename(line.strip())
                    if stem:
                        splits[stem.removesuffix(".au").removesuffix(".wav")] = split
        return splits

    def _rhythm_dir(self) -> str | None:
        if "rhythm_dir" in self.options:
            return str(self.options["rhythm_dir"]).strip("/")
        return next((d for d in _RHYTHM_DIRS if self.root.isdir(d)), None)

    def check_layout(self) -> list[str]:
        if not any(self.root.isdir(folder) for folder in _GENRE_DIRS):
            return [f"gtzan: no genres/ (nor genres_original/, gtzan_genre/genres/) under {self.root.uri}"]
        return []

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: list[Recording] = []
        problems: list[Problem] = []
        seen: set[str] = set()
        listed = self._listed()
        for folder, audio, size in self._audio():
            parts = audio[len(folder) + 1 :].split("/")
            if len(parts) != 2:
                problems.append(Problem(audio, "bad_layout", "expected genres/<genre>/<genre>.NNNNN.wav or .au"))
                continue
            rec_id = posixpath.splitext(parts[1])[0]
            if rec_id in seen:  # the same excerpt twice (.au and .wav, or under both folders)
                problems.append(Problem(audio, "duplicate", f"{rec_id} is already listed under another name"))
                continue
            seen.add(rec_id)
            if listed is not None and rec_id not in listed:
                problems.append(Problem(audio, "unlisted", "no *_filtered.txt list names this excerpt"))
                continue
            split = listed[rec_id] if listed is not None else hash_split(rec_id)
            recordings.append(Recording(rec_id, audio, split, compact({"genre": vocab.words(parts[0])}), size))
        rhythm = self._rhythm_dir()
        if rhythm is not None:
            recordings = self._with_rhythm(rhythm, recordings, problems)
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    def _with_rhythm(self, folder: str, recordings: list[Recording], problems: list[Problem]) -> list[Recording]:
        """The recordings with the beats and tempo of their GTZAN-Rhythm annotation files (where they have them)."""
        by_stem = {"gtzan_" + r.recording_id.replace(".", "_"): r for r in recordings}
        beat_files = {
            posixpath.basename(p)[: -len(".beats")]: p
            for p in self.root.find(f"{folder}/beats", ".beats")
            if not p.endswith("_noposition.beats")
        }
        bpm_files = {posixpath.basename(p)[: -len(".bpm")]: p for p in self.root.find(f"{folder}/tempo", ".bpm")}
        paths = [(stem, p) for files in (beat_files, bpm_files) for stem, p in files.items()]
        for stem, path in paths:
            if stem not in by_stem:
                problems.append(Problem(path, "missing_audio", f"no GTZAN excerpt for {stem}"))
        texts = dict(self.root.read_many([p for stem, p in paths if stem in by_stem]))
        out = []
        for stem, rec in by_stem.items():
            meta = dict(rec.meta)
            if stem in beat_files:
                try:
                    times = [float(line.split()[0]) for line in texts[beat_files[stem]].splitlines() if line.strip()]
                    meta["beats"] = ", ".join(f"{t:.2f}" for t in times)
                except ValueError:
                    problems.append(Problem(beat_files[stem], "bad_metadata", "expected lines of <time> <beat>"))
            if stem in bpm_files:
                try:
                    meta["tempo"] = vocab.tempo(float(texts[bpm_files[stem]].strip()))
                except ValueError as e:
                    reason = "bad_label" if "implausible" in str(e) else "bad_metadata"
                    problems.append(Problem(bpm_files[stem], reason, str(e)))
            out.append(Recording(rec.recording_id, rec.audio, rec.split, compact(meta), rec.size))
        return out
