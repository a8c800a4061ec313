"""Vocal Imitation Set — crowd-sourced vocal imitations of 302 sound classes of the AudioSet ontology.

- Source: https://zenodo.org/record/1340763 (v1.1.3; Kim, Ghei, Pardo, Duan, "Vocal Imitation Set: a dataset of
  vocally imitated sound events using the AudioSet ontology", DCASE 2018); CC BY 4.0. The original recordings are
  Freesound clips under their uploaders' licences (``original_recordings_license.csv``).
- Native layout (v1.1): ``vocal_imitations.txt`` (tab-separated, a leading unnamed index column, then
  ``imitation_id imitation_filename category_id category_d1 .. category_d6 reference_filename included draft
  training participant_id satisfaction ...``; booleans ``True``/``False``; the participant id written as a float);
  ``vocal_imitations/included/<imitation_filename>`` (the 5,601 imitations the raters accepted) and
  ``vocal_imitations/excluded/`` (drafts, training takes and the 514 rejected ones);
  ``original_recordings_classes.txt`` (tab-separated, fields with a comma quoted: ``filename classname category_d1 ..
  category_d6 is_reference multi_labeled``, booleans ``TRUE``/``FALSE``); ``original_recordings/reference/<filename>``
  (the one clip per class that was imitated) and ``original_recordings/non_reference/<classname>/<filename>`` (more
  clips of the class; a clip of two classes is in both folders). Category names are AudioSet display names from
  depth 1 down (``Animal / Domestic animals, pets / Cat / Growling``). 16-bit WAV.
- Recordings and labels:
  imitations (``imitation_<imitation_id>``): ``imitated`` = the imitated class in words (``vocab.sound_class`` of the
  deepest category; for an animal sound the animal is named too: ``Cat / Growling`` -> ``cat growling``, ``Dog /
  Bark`` -> ``dog bark``), ``speaker`` = ``vocal_imitation_<participant>``;
  original recordings (``reference_<category number>``, ``original_<category number>_<file stem>``): ``label`` =
  the class in the same words (``cat growling``), ``labels`` = the category path in words (``animal, domestic
  animals, cat, growling``).
- Split: none given. Imitations by held-out participants (``speaker_split``); original recordings ``hash_split``.
- Problems: an imitation the corpus excluded (draft, training take, or not accepted as an imitation) -> ``excluded``;
  a listed file without audio -> ``missing_audio``; a wav no row lists -> ``missing_label``; a row without file name
  or category -> ``bad_metadata``.
"""

from __future__ import annotations

import csv
import posixpath
import re
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, hash_split, register, speaker_split

IMITATIONS = "vocal_imitations.txt"
ORIGINALS = "original_recordings_classes.txt"
INCLUDED = "vocal_imitations/included"
EXCLUDED = "vocal_imitations/excluded"
REFERENCE = "original_recordings/reference"
NON_REFERENCE = "original_recordings/non_reference"
DEPTHS = tuple(f"category_d{i}" for i in range(1, 7))
#: Animal categories that group kinds rather than name an animal (``Insect / Cricket`` is a cricket, not an insect's).
_GROUPS = {"Insect", "Rodents, rats, mice", "Wild animals", "Domestic animals, pets"}


def _path(row: dict[str, str]) -> list[str]:
    return [(row.get(d) or "").strip() for d in DEPTHS if (row.get(d) or "").strip()]


def class_words(path: list[str]) -> str:
    """A class in words: the deepest category, with its animal for an animal sound (``dog bark``)."""
    leaf = vocab.sound_class(path[-1])
    if path[0] == "Animal" and len(path) >= 4 and path[-2] not in _GROUPS:
        animal = vocab.sound_class(path[-2])
        if animal not in leaf:
            return f"{animal} {leaf}"
    return leaf


def _id_part(stem: str) -> str:
    return re.sub(r"\s+", "_", stem.strip())


@register
class VocalImitation(Recipe):
    name = "vocal_imitation"
    domain = "audio"
    source = ["crowdsourced", "freesound"]
    number = 185
    license = "CC-BY-4.0"
    citation = r"""@inproceedings{kim2018vocalimitation,
  title = {Vocal Imitation Set: a dataset of vocally imitated sound events using the {AudioSet} ontology},
  author = {Kim, Bongjun and Ghei, Madhav and Pardo, Bryan and Duan, Zhiyao},
  booktitle = {Proceedings of the Detection and Classification of Acoustic Scenes and Events Workshop (DCASE)},
  year = {2018}
}"""
    provides = frozenset({"imitated", "speaker", "label", "labels"})

    def check_layout(self) -> list[str]:
        if not (self.root.exists(IMITATIONS) or self.root.exists(ORIGINALS)):
            where = f"under {self.root.uri}; is this the Vocal Imitation Set root?"
            return [f"vocal_imitation: no {IMITATIONS} or {ORIGINALS} {where}"]
        return []

    def _rows(self, path: str) -> list[dict[str, str]]:
        if not self.root.exists(path):
            return []
        return list(csv.DictReader(self.root.read_text(path).splitlines(), delimiter="\t"))

    def scan(self) -> Iterator[Recording | Problem]:
        wavs = self.root.find(INCLUDED, ".wav") | self.root.find("original_recordings", ".wav")
        recordings: list[Recording] = []
        problems: list[Problem] = []
        listed: set[str] = set()
        for row_no, row in enumerate(self._rows(IMITATIONS), 2):
            where = f"{IMITATIONS}:{row_no}"
            filename, path = (row.get("imitation_filename") or "").strip(), _path(row)
            if not filename or not path:
                problems.append(Problem(where, "bad_metadata", "expected an imitation_filename and a category"))
                continue
            if (row.get("included") or "").strip() != "True":
                kind = next((k for k in ("draft", "training") if (row.get(k) or "").strip() == "True"), "rejected")
                problems.append(Problem(posixpath.join(EXCLUDED, filename), "excluded", f"{kind} imitation ({where})"))
                continue
            audio = posixpath.join(INCLUDED, filename)
            listed.add(audio)
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{where} lists {filename}"))
                continue
            participant = (row.get("participant_id") or "").strip()
            speaker = vocab.speaker("vocal_imitation", participant.removesuffix(".0")) if participant else None
            rec_id = f"imitation_{(row.get('imitation_id') or '').strip() or _id_part(filename)}"
            meta = {"imitated": class_words(path)} | ({"speaker": speaker} if speaker else {})
            split = speaker_split("vocal_imitation", speaker) if speaker else hash_split(rec_id)
            recordings.append(Recording(rec_id, audio, split, meta, wavs[audio]))
        for row_no, row in enumerate(self._rows(ORIGINALS), 2):
            where = f"{ORIGINALS}:{row_no}"
            filename, classname, path = (
                (row.get("filename") or "").strip(),
                (row.get("classname") or "").strip(),
                _path(row),
            )
            if not filename or not classname or not path:
                problems.append(Problem(where, "bad_metadata", "expected a filename, a classname and a category"))
                continue
            number = classname[:3]
            if (row.get("is_reference") or "").strip().upper() == "TRUE":
                audio, rec_id = posixpath.join(REFERENCE, filename), f"reference_{number}"
            else:
                stem = posixpath.splitext(filename)[0]
                audio, rec_id = (
                    posixpath.join(NON_REFERENCE, classname, filename),
                    f"original_{number}_{_id_part(stem)}",
                )
            listed.add(audio)
            if audio not in wavs:
                problems.append(Problem(audio, "missing_audio", f"{where} lists {filename}"))
                continue
            words = [vocab.sound_class(c) for c in path]
            meta = {"label": class_words(path), "labels": ", ".join(dict.fromkeys(words))}
            recordings.append(Recording(rec_id, audio, hash_split(rec_id), meta, wavs[audio]))
        problems += [Problem(w, "missing_label", "no index row lists this clip") for w in wavs if w not in listed]
        yield from sorted(recordings, key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
