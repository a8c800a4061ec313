"""AAM (Artificial Audio Multitracks) — 3,000 generated pop songs rendered with sampled instruments, with beat,
chord, onset (instrument and MIDI pitch), key, tempo and segment annotations.

- Source: https://zenodo.org/record/5794629 (Ostermann, Vatolkin & Ebeling, EURASIP J. Audio Speech Music Process.
  2023); data CC BY 4.0 as the Zenodo record states (check it before redistributing); the generator,
  https://github.com/fabianostermann/ArtificialSongGenerator, is MIT-licensed.
- Native layout (the release's zips, and ``tinyAAM.zip`` with the same names): ``annotations/<NNNN>_beatinfo.arff``,
  ``annotations/<NNNN>_onsets.arff``, ``annotations/<NNNN>_segments.arff`` (with the songs' MIDI files),
  ``audio-mixes-mp3/<NNNN>_mix.mp3`` (or ``_mix.flac``) and ``audio-multitracks-mp3/<NNNN>_<Instrument>.mp3`` (one
  stem per instrument, padded to the mix's length). Files are found by name anywhere below the root, a FLAC mix
  preferred to an MP3 one.
- Annotation files (ARFF; ``'``-quoted strings; lines starting with ``@`` are the header, and the beatinfo files may
  lack ``@DATA``):
  beatinfo: ``Start time in seconds, Bar count, Quarter count, Chord name`` per beat (``0.0,1,1,'Cmaj'``; chords
  ``<root>maj|min``, ``'N.C.'``, ``'BASS_NOTE_EXCEPTION'``);
  segments (``ArffUtil.saveSongStructureToArff``): ``Start time in seconds, Mark, Tempo, Key, Instruments,
  Generator`` per song part (``0.0,'A',120,'Cmaj','[Piano,ElectricBass,Drums]','[ChordPadsRanged,...]'``), then a
  final ``'end'`` row at the song's end;
  onsets (``OnsetAnnotator``): ``Onset time in seconds`` and one ``Onset events of <Instrument>`` column per
  instrument of the generator's configuration (alphabetical, ``Drums`` included); each cell lists the MIDI keys
  sounding from that time, a ``+`` marking a key struck there (``'[+60,64]'``).
- Labels: ``beats`` = the beat times (two decimals, comma-separated); ``chords`` = runs of equal beat chords as
  ``start-end root:quality`` (``C:maj``; ``N.C.`` -> ``N``, ``BASS_NOTE_EXCEPTION`` -> ``X``), the last ending at
  the segments' ``end`` time; ``key`` (through ``vocab.key``) and ``tempo`` only where every part of the song has
  the same one (parts draw their own, and a song-wide label must hold for any excerpt); ``instrument`` = every
  instrument of the song in words, comma-separated (``ElectricGuitarLead`` -> ``electric guitar lead``);
  ``beat_instruments`` = the instruments sounding in each of the first ``beats`` beats (option, default 10: the
  Audio-FLAN example asks for the first 10); ``beat_pitches`` = the notes the parts' melody instruments (generator
  ``Melody*``) strike in each of those beats, else the notes they hold at the beat, else ``rest``; ``stems`` =
  JSON ``{instrument: path}`` of the multitracks.
- Split: the corpus defines none; ``hash_split(<NNNN>)``.
- Problems: annotations without a mix (``missing_audio``), a mix without beatinfo (``missing_label``), an annotation
  file that cannot be read (``bad_metadata``), a key ``vocab.key`` cannot read (``bad_label``).
"""

from __future__ import annotations

import csv
import json
import posixpath
import re
import statistics
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

_ANNOTATION = re.compile(r"(\d{4})_(beatinfo|onsets|segments)\.arff$")
_AUDIO = re.compile(r"(\d{4})_([A-Za-z0-9]+)\.(flac|mp3|wav)$")
_CHORD = re.compile(r"([A-G][#b]?)(maj|min|dim|aug|sus2|sus4|7|maj7|min7|dim7|hdim7)")
_MIX_PREFERENCE = {"flac": 0, "wav": 1, "mp3": 2}


class _Unreadable(Exception):
    pass


def parse_arff(text: str) -> tuple[list[str], list[list[str]]]:
    """(attribute names, data rows) of an ARFF text; ``'``-quoted values, ``@DATA`` optional, ``%`` comments."""
    names: list[str] = []
    rows: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        if line.startswith("@"):
            if line[:10].upper() == "@ATTRIBUTE":
                rest = line[10:].strip()
                names.append(rest[1 : rest.index("'", 1)] if rest.startswith("'") else rest.split()[0])
            continue
        rows.append(next(csv.reader([line], quotechar="'", skipinitialspace=True)))
    return names, rows


def _chord(name: str) -> str:
    """``A#maj`` -> ``A#:maj``; ``N.C.`` -> ``N``; anything else (``BASS_NOTE_EXCEPTION``) -> ``X`` (unknown)."""
    name = name.strip()
    if name == "N.C.":
        return "N"
    m = _CHORD.fullmatch(name)
    return f"{m.group(1)}:{m.group(2)}" if m else "X"


def _list(cell: str) -> list[str]:
    """``[Piano,Drums]`` -> ``["Piano", "Drums"]``."""
    inner = cell.strip().strip("[]")
    return [x.strip() for x in inner.split(",")] if inner.strip() else []


def _keys(cell: str) -> tuple[list[int], list[int]]:
    """(struck, sounding) MIDI keys of an onsets cell like ``[+60,64]``."""
    struck, sounding = [], []
    for item in cell.strip().strip("[]").split(","):
        item = item.strip()
        if not item:
            continue
        key = int(item.lstrip("+"))
        sounding.append(key)
        if item.startswith("+"):
            struck.append(key)
    return struck, sounding


@register
class AAM(Recipe):
    name = "aam"
    domain = "music"
    source = ["synthetic"]
    number = 148
    license = "CC-BY-4.0"
    citation = r"""@article{ostermann2023aam,
  title = {{AAM}: a dataset of Artificial Audio Multitracks for diverse music information retrieval tasks},
  author = {Ostermann, Fabian and Vatolkin, Igor and Ebeling, Martin},
  journal = {EURASIP Journal on Audio, Speech, and Music Processing},
  year = {2023},
  doi = {10.1186/s13636-023-00278-7}
}"""
    provides = frozenset({"beats", "chords", "key", "tempo", "instrument", "beat_instruments", "beat_pitches", "stems"})

    def check_layout(self) -> list[str]:
        if not self.root.isdir("annotations"):
            return [f"aam: no annotations/ (<NNNN>_beatinfo.arff, _onsets.arff, _segments.arff) under {self.root.uri}"]
        return []

    def _listing(self) -> tuple[dict[str, dict[str, str]], dict[str, tuple[str, int]], dict[str, dict[str, str]]]:
        """(annotations by song, mix by song, stems by song) from one listing of the root."""
        annotations: dict[str, dict[str, str]] = {}
        mixes: dict[str, tuple[str, int]] = {}
        stems: dict[str, dict[str, str]] = {}
        for path, size in self.root.find("").items():
            base = posixpath.basename(path)
            if m := _ANNOTATION.fullmatch(base):
                annotations.setdefault(m.group(1), {})[m.group(2)] = path
            elif m := _AUDIO.fullmatch(base):
                song, what, ext = m.groups()
                if what == "mix":
                    old = mixes.get(song)
                    if old is None or _MIX_PREFERENCE[ext] < _MIX_PREFERENCE[old[0].rsplit(".", 1)[1]]:
                        mixes[song] = (path, size)
                else:
                    stems.setdefault(song, {})[what] = path
        return annotations, mixes, stems

    def parts(self) -> list[str]:
        annotations, mixes, _ = self._listing()
        return sorted({song[:2] for song in [*annotations, *mixes]})

    def scan(self) -> Iterator[Recording | Problem]:
        listing = self._listing()
        for part in sorted({song[:2] for song in [*listing[0], *listing[1]]}):
            yield from self._scan(part, listing)

    def scan_part(self, part: str) -> Iterator[Recording | Problem]:
        return self._scan(part, self._listing())

    def _scan(self, part: str, listing: Any) -> Iterator[Recording | Problem]:
        annotations, mixes, stems = listing
        songs = sorted(s for s in {*annotations, *mixes} if s[:2] == part)
        files = [p for s in songs for p in annotations.get(s, {}).values()]
        texts = dict(self.root.read_many(files))
        recordings: list[Recording] = []
        problems: list[Problem] = []
        for song in songs:
            ann = annotations.get(song, {})
            if song not in mixes:
                for path in sorted(ann.values()):
                    problems.append(Problem(path, "missing_audio", f"no {song}_mix.flac / .mp3"))
                continue
            mix, size = mixes[song]
            if "beatinfo" not in ann:
                problems.append(Problem(mix, "missing_label", f"no {song}_beatinfo.arff"))
                continue
            try:
                meta = self._meta(ann, texts, stems.get(song, {}))
            except _Unreadable as e:
                problems.append(Problem(str(e.args[0]), "bad_metadata", str(e.args[1])))
                continue
            except ValueError as e:
                problems.append(Problem(ann.get("segments", mix), "bad_label", str(e)))
                continue
            recordings.append(Recording(song, mix, hash_split(song), compact(meta), size))
        yield from recordings
        yield from sorted(problems, key=lambda p: p.path)

    def _meta(self, ann: dict[str, str], texts: dict[str, str], stems: dict[str, str]) -> dict[str, Any]:
        try:
            _, rows = parse_arff(texts[ann["beatinfo"]])
            beats = [(float(r[0]), r[3]) for r in rows]
        except (ValueError, IndexError) as e:
            raise _Unreadable(ann["beatinfo"], f"expected time,bar,quarter,'chord' rows: {e}") from e
        parts: list[tuple[float, int, str, list[str], list[str]]] = []
        end = None
        if "segments" in ann:
            try:
                _, rows = parse_arff(texts[ann["segments"]])
                for r in rows:
                    if r[1] == "end":
                        end = float(r[0])
                        continue
                    names, gens = (_list(r[4]), _list(r[5]))
                    parts.append((float(r[0]), int(float(r[2])), r[3], names, gens))
            except (ValueError, IndexError) as e:
                raise _Unreadable(ann["segments"], f"expected start,mark,tempo,key,instruments,generators: {e}") from e
        onsets: tuple[list[str], list[list[str]]] | None = None
        if "onsets" in ann:
            onsets = parse_arff(texts[ann["onsets"]])
        times = [t for t, _ in beats]
        if end is None and len(times) > 1:
            end = times[-1] + statistics.median(b - a for a, b in zip(times, times[1:], strict=False))
        keys = {p[2] for p in parts}
        tempos = {p[1] for p in parts}
        instruments = sorted({i for p in parts for i in p[3]}, key=vocab.words)
        n = int(self.options.get("beats", 10))
        meta: dict[str, Any] = {
            "beats": ", ".join(f"{t:.2f}" for t in times),
            "chords": self._chords(beats, end),
            "key": vocab.key(keys.pop()) if len(keys) == 1 and "" not in keys else None,
            "tempo": vocab.tempo(tempos.pop()) if len(tempos) == 1 else None,
            "instrument": ", ".join(vocab.words(i) for i in instruments),
            "stems": json.dumps({vocab.words(k): v for k, v in sorted(stems.items())}) if stems else None,
        }
        if onsets is not None:
            try:
                meta.update(self._per_beat(times[: n + 1], end, parts, onsets, n))
            except (ValueError, IndexError) as e:
                raise _Unreadable(ann["onsets"], f"expected time,'[keys]',... rows: {e}") from e
        return meta

    @staticmethod
    def _chords(beats: list[tuple[float, str]], end: float | None) -> str | None:
        runs: list[list[Any]] = []
        for t, name in beats:
            chord = _chord(name)
            if runs and runs[-1][2] == chord:
                continue
            if runs:
                runs[-1][1] = t
            runs.append([t, None, chord])
        if not runs:
            return None
        runs[-1][1] = end if end is not None else runs[-1][0]
        return ", ".join(f"{a:.2f}-{b:.2f} {c}" for a, b, c in runs if b > a)

    @staticmethod
    def _per_beat(
        times: list[float],
        end: float | None,
        parts: list[tuple[float, int, str, list[str], list[str]]],
        onsets: tuple[list[str], list[list[str]]],
        n: int,
    ) -> dict[str, str]:
        names, rows = onsets
        prefix = "Onset events of "
        columns = {i: name[len(prefix) :] for i, name in enumerate(names) if name.startswith(prefix)}
        events = [(float(r[0]), {columns[i]: _keys(r[i]) for i in columns if i < len(r)}) for r in rows]
        bounds = [*times, end if end is not None else float("inf")][: n + 1]
        instruments, pitches = [], []
        for b, (start, stop) in enumerate(zip(bounds, bounds[1:], strict=False), 1):
            before = [e for e in events if e[0] <= start]
            held = before[-1][1] if before else {}
            inside = [e for e in events if start <= e[0] < stop]
            playing = {i for i, (_, sounding) in held.items() if sounding}
            playing |= {i for _, cells in inside for i, (_, sounding) in cells.items() if sounding}
            instruments.append(f"beat{b}: " + (", ".join(sorted(vocab.words(i) for i in playing)) or "none"))
            part = next((p for p in reversed(parts) if p[0] <= start + 1e-6), None)
            melody = {i for i, g in zip(part[3], part[4], strict=False) if g.startswith("Melody")} if part else set()
            struck = [k for _, cells in inside for i, (s, _) in cells.items() if i in melody for k in s]
            notes = struck or [k for i, (_, sounding) in held.items() if i in melody for k in sounding]
            names_ = list(dict.fromkeys(vocab.note_name(k) for k in notes))
            pitches.append(f"beat{b}: " + (" ".join(names_) or "rest"))
        return {"beat_instruments": "; ".join(instruments), "beat_pitches": "; ".join(pitches)}
