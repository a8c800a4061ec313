"""RAVDESS — the audio-only part of the Ryerson Audio-Visual Database of Emotional Speech and Song.

- Source: https://zenodo.org/records/1188976 (Livingstone & Russo, PLoS ONE 2018). CC BY-NC-SA 4.0: non-commercial,
  so not bundled in ``samples/``.
- Native layout: ``Audio_Speech_Actors_01-24/Actor_NN/MM-VV-EE-II-SS-RR-AA.wav`` (48 kHz WAV) and, for song,
  ``Audio_Song_Actors_01-24/Actor_NN/...``; the root may be either folder, their parent, or a folder of
  ``Actor_NN/`` (the layout of the zip files). Every ``.wav`` below the root is read; there is no index file.
- Labels, all from the 7 file-name fields: modality (must be ``03``, audio-only), vocal channel (``01`` speech,
  ``02`` song), emotion as ``vocab.emotion``'s adjective (01 neutral, 02 calm, 03 happy, 04 sad, 05 angry,
  06 fearful, 07 disgust -> disgusted, 08 surprised), intensity (01 normal, 02 strong), statement (01 "Kids are
  talking by the door", 02 "Dogs are sitting by the door"; also the ``parallel_id``), repetition (the take, 1 or
  2) and actor (the speaker, ``vocab.speaker``: ``01`` -> ``ravdess_01``; odd ids are male, even ids female).
  Speech gets the statement as its transcript; song gets it as lyrics, with speaking style "singing".
- Split: the corpus defines none. Held-out speakers: ``speaker_split("ravdess", actor id)`` (10 % dev, 10 % test),
  so no actor crosses splits (closed-set speaker identification re-splits within speakers).
- Problems: a name that does not parse or holds an out-of-range code -> ``bad_filename``; a file in an
  ``Actor_NN`` folder of another actor -> ``bad_layout``; the same file name twice (some repackagings nest one copy
  of the corpus inside another) -> ``duplicate`` for every copy after the first in path order.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from audioflan_ray import vocab
from audioflan_ray.recipes.base import Problem, Recipe, Recording, compact, register, speaker_split

#: the corpus's emotion codes and words (its README), in vocab's adjectives
EMOTIONS = {
    code: vocab.emotion(word)
    for code, word in {
        "01": "neutral",
        "02": "calm",
        "03": "happy",
        "04": "sad",
        "05": "angry",
        "06": "fearful",
        "07": "disgust",
        "08": "surprised",
    }.items()
}
INTENSITIES = {"01": "normal", "02": "strong"}
STATEMENTS = {"01": "Kids are talking by the door", "02": "Dogs are sitting by the door"}

_NAME = re.compile(
    r"^(?P<modality>03)-(?P<channel>0[12])-(?P<emotion>0[1-8])-(?P<intensity>0[12])-(?P<statement>0[12])"
    r"-(?P<repetition>0[12])-(?P<actor>[0-9]{2})\.wav$"
)
_ACTOR_DIR = re.compile(r"^Actor_(?P<actor>[0-9]{2})$")


@register
class RAVDESS(Recipe):
    name = "ravdess"
    domain = "speech"
    source = ["acted"]
    number = 17
    license = "CC-BY-NC-SA-4.0"
    citation = r"""@article{livingstone2018ravdess,
  title = {The {Ryerson} Audio-Visual Database of Emotional Speech and Song ({RAVDESS}): A dynamic, multimodal set
           of facial and vocal expressions in {North American English}},
  author = {Livingstone, Steven R. and Russo, Frank A.},
  journal = {PLoS ONE},
  volume = {13},
  number = {5},
  pages = {e0196391},
  year = {2018},
  doi = {10.1371/journal.pone.0196391}
}"""
    values = {"language": frozenset({"English"}), "speaking_style": frozenset({"singing"})}
    provides = frozenset(
        {
            "transcript",
            "lyrics",
            "speaking_style",
            "speaker",
            "gender",
            "emotion",
            "intensity",
            "language",
            "language_code",
            "parallel_id",
            "take",
        }
    )

    def check_layout(self) -> list[str]:
        for pattern in ("Actor_*/*.wav", "*/Actor_*/*.wav", "*/*/Actor_*/*.wav"):
            if self.root.exists_glob(pattern):
                return []
        return [f"ravdess: no Actor_NN/*.wav under {self.root.uri} (nor one or two folders down)"]

    def scan(self) -> Iterator[Recording | Problem]:
        recordings: dict[str, Recording] = {}
        problems: list[Problem] = []
        for audio, size in self.root.find("", ".wav").items():  # sorted by path: the first copy wins
            filename = posixpath.basename(audio)
            match = _NAME.match(filename)
            if match is None or match["actor"] == "00":
                problems.append(Problem(audio, "bad_filename", "expected 03-VV-EE-II-SS-RR-AA.wav (audio-only)"))
                continue
            actor = match["actor"]
            folder = _ACTOR_DIR.match(posixpath.basename(posixpath.dirname(audio)))
            if folder is not None and folder["actor"] != actor:
                problems.append(Problem(audio, "bad_layout", f"actor {actor}'s file in Actor_{folder['actor']}/"))
                continue
            rec_id = filename[: -len(".wav")]
            if rec_id in recordings:
                problems.append(Problem(audio, "duplicate", f"same file as {recordings[rec_id].audio}"))
                continue
            sung = match["channel"] == "02"
            statement = STATEMENTS[match["statement"]]
            meta = compact(
                {
                    "transcript": None if sung else statement,
                    "lyrics": statement if sung else None,
                    "speaking_style": "singing" if sung else None,
                    "speaker": vocab.speaker(self.name, actor),
                    "gender": "male" if int(actor) % 2 else "female",
                    "emotion": EMOTIONS[match["emotion"]],
                    "intensity": INTENSITIES[match["intensity"]],
                    "language": "English",
                    "language_code": "en",
                    "parallel_id": match["statement"],
                    "take": int(match["repetition"]),
                }
            )
            recordings[rec_id] = Recording(rec_id, audio, speaker_split(self.name, actor), meta, size)
        yield from sorted(recordings.values(), key=lambda r: r.recording_id)
        yield from sorted(problems, key=lambda p: p.path)
