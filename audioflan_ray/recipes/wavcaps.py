"""WavCaps — about 400k sound clips from four sources, each with one ChatGPT-rewritten caption.

- Source: https://huggingface.co/datasets/cvssp/WavCaps (Mei et al., "WavCaps: A ChatGPT-Assisted Weakly-Labelled
  Audio Captioning Dataset for Audio-Language Multimodal Research", 2023). **Academic use only** (the card says CC BY
  4.0, but its licence section allows academic uses only); each clip keeps its source's terms (Freesound per-clip
  CC licences, the BBC RemArc licence, SoundBible's terms, YouTube for AudioSet).
- Native layout: ``json_files/<source>/*.json`` for the sources ``AudioSet_SL`` (``as_final.json``),
  ``BBC_Sound_Effects`` (``bbc_final.json``), ``FreeSound`` (``fsd_final.json``) and ``SoundBible``
  (``sb_final.json``): ``{"num_captions_per_audio": 1, "data": [{"id", "caption", "audio": "wav_path", "duration",
  ...}]}`` plus per-source fields (BBC: description, category, download_link; FreeSound: file_name, href, tags,
  description, author, download_link; SoundBible: title, description, author, href, download_link). AudioSet_SL ids
  are PANNs' file names (``Yb0RFKhbpFJA.wav``), the others bare ids (``NHU05051026``, ``180913``, ``2219``).
  ``json_files/blacklist/`` (ids overlapping AudioCaps, Clotho and others' test sets) is not read.
  Audio: 32 kHz FLAC from ``Zip_files/<source>/``, extracted by users into a folder per source named ``<source>``
  (aac-datasets: ``Audio/<source>/<id>.flac``) or ``<source>_flac`` (the WavCaps code: ``waveforms/<source>_flac``),
  at any depth below ``options.audio_dir`` (default: the corpus root), listed once. A clip's file is ``<id>.flac``
  (AudioSet_SL: the id's ``.wav`` replaced), any audio extension accepted.
- Labels: ``caption`` (whitespace collapsed, the corpus's words kept). Source metadata (tags, categories) is not kept:
  it is the uploaders' free text, not a class vocabulary.
- Recording id: ``<source>_<id without extension>`` (FreeSound and SoundBible ids are both numbers).
- Split: WavCaps has none; ``hash_split`` of the recording id (90/5/5).
- Problems: an entry without id or caption, or a file that is not the documented JSON -> ``bad_metadata``; an id
  listed twice in one source -> ``duplicate``; a listed clip without audio -> ``missing_audio`` (one problem for a
  source with no audio folder at all); an audio file no entry lists (the SoundBible archive holds more clips than its
  JSON) -> ``missing_label``.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from typing import Any

from audioflan_ray import vocab
from audioflan_ray.recipes._youtube import AUDIO_EXTENSIONS
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, hash_split, register

SOURCES = ("AudioSet_SL", "BBC_Sound_Effects", "FreeSound", "SoundBible")
JSON_DIR = "json_files"


def _stem(name: str) -> str:
    base, ext = posixpath.splitext(name)
    return base if ext.lower() in AUDIO_EXTENSIONS else name


@register
class WavCaps(Recipe):
    name = "wavcaps"
    domain = "audio"
    source = ["freesound", "bbc", "soundbible", "youtube"]
    number = 182
    license = "WavCaps licence (academic use only, non-commercial); each clip keeps its source's terms"
    citation = r"""@article{mei2024wavcaps,
  title = {{WavCaps}: A {ChatGPT}-Assisted Weakly-Labelled Audio Captioning Dataset for Audio-Language Multimodal
    Research},
  author = {Mei, Xinhao and Meng, Chutong and Liu, Haohe and Kong, Qiuqiang and Ko, Tom and Zhao, Chengqi and
    Plumbley, Mark D. and Zou, Yuexian and Wang, Wenwu},
  journal = {IEEE/ACM Transactions on Audio, Speech, and Language Processing},
  year = {2024}
}"""
    provides = frozenset({"caption"})

    def _json_files(self) -> dict[str, list[str]]:
        return {s: self.root.glob(f"{JSON_DIR}/{s}/*.json") for s in SOURCES}

    def check_layout(self) -> list[str]:
        if not any(self.root.isdir(f"{JSON_DIR}/{s}") for s in SOURCES):
            where = f"{JSON_DIR}/{{{','.join(SOURCES)}}}/*.json"
            return [f"wavcaps: no {where} under {self.root.uri}; is this the WavCaps root?"]
        return []

    def _audio(self) -> dict[tuple[str, str], tuple[str, int]]:
        """(source, clip stem) -> (path, size) for every audio file in a ``<source>`` or ``<source>_flac`` folder."""
        folders = {s: s for s in SOURCES} | {f"{s}_flac": s for s in SOURCES}
        out: dict[tuple[str, str], tuple[str, int]] = {}
        for path, size in self.root.find(str(self.options.get("audio_dir", ""))).items():
            stem, ext = posixpath.splitext(posixpath.basename(path))
            if ext.lower() not in AUDIO_EXTENSIONS:
                continue
            source = next((folders[c] for c in path.split("/")[:-1] if c in folders), None)
            if source is not None:
                out.setdefault((source, stem), (path, size))
        return out

    def scan(self) -> Iterator[Recording | Problem]:
        audio = self._audio()
        recordings: list[Recording] = []
        problems: list[Problem] = []
        listed: set[tuple[str, str]] = set()
        for source, files in self._json_files().items():
            missing: list[str] = []
            for path in files:
                for i, entry in enumerate(self._entries(path, problems)):
                    where = f"{path}:data[{i}]"
                    clip_id, caption = str(entry.get("id") or "").strip(), vocab.text(entry.get("caption") or "")
                    if not clip_id or not caption:
                        problems.append(Problem(where, "bad_metadata", "expected an id and a caption"))
                        continue
                    key = (source, _stem(clip_id))
                    if key in listed:
                        problems.append(Problem(where, "duplicate", f"{source} id {clip_id} is listed before"))
                        continue
                    listed.add(key)
                    if key not in audio:
                        missing.append(where)
                        continue
                    rec_id = f"{source}_{key[1]}"
                    rel, size = audio[key]
                    recordings.append(Recording(rec_id, rel, hash_split(rec_id), compact({"caption": caption}), size))
            if missing and not any(s == source for s, _ in audio):
                where = f"{self.options.get('audio_dir', '') or 'the corpus root'}"
                message = f"{len(missing)} listed clips; no {source}/ or {source}_flac/ audio folder under {where}"
                problems.append(Problem(f"{JSON_DIR}/{source}", "missing_audio", message))
            else:
                problems += [Problem(w, "missing_audio", "no audio file for this entry") for w in missing]
        for key, (rel, _) in audio.items():
            if key not in listed:
                problems.append(Problem(rel, "missing_label", f"no {JSON_DIR}/{key[0]}/*.json entry lists this clip"))
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)

    def _entries(self, path: str, problems: list[Problem]) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.root.read_text(path))
            entries = data["data"]
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise TypeError("data is not a list of objects")
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(Problem(path, "bad_metadata", f'expected {{"data": [{{"id", "caption", ...}}]}}: {exc}'))
            return []
        return entries
