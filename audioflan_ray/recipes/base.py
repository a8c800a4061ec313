"""The recipe contract: a corpus in its native layout in, normalized recordings out.

A recipe is one small module per corpus, registered once with ``@register``. Its module docstring is the corpus
card (where it comes from, licence, native layout, how labels are encoded). ``scan`` reads only the corpus's own
metadata files and listings; it never opens audio.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from audioflan_ray.errors import RecipeError
from audioflan_ray.storage import Root

#: Metadata fields a recipe may fill; tasks name the ones they require. Values are str, int or float.
METADATA_FIELDS: dict[str, str] = {
    "transcript": "what is said in the recording (the corpus's own text)",
    "speaker": "speaker as vocab.speaker names it: <dataset>_<corpus id> (e.g. 'vctk_p225')",
    "gender": "speaker gender, lower case: male / female / other",
    "age": "speaker age group as vocab.age_group writes it (e.g. 'child', 'teens', 'twenties')",
    "accent": "speaker accent in words",
    "region": "speaker region or origin",
    "language": "spoken language as an English name (e.g. 'English')",
    "language_code": "language code as the corpus writes it (e.g. 'en', 'zh-CN')",
    "emotion": "emotion as an adjective (vocab.emotion: 'angry', 'fearful')",
    "label": "sound event class in words",
    "genre": "music genre in words",
    "instrument": "instrument in words, the most specific the corpus gives (e.g. 'violin', 'acoustic keyboard')",
    "instrument_family": "instrument family in words (e.g. 'string', 'keyboard', 'brass')",
    "instrument_id": "the exact instrument (one physical instrument or preset) where a corpus has several per name",
    "instrument_source": "acoustic / electronic / synthetic",
    "pitch": "MIDI note number",
    "velocity": "MIDI velocity",
    "digit": "spoken digit 0-9",
    "chapter": "book chapter id",
    "client_id": "anonymous contributor id",
    "fold": "cross-validation fold as the corpus defines it",
    "raw_transcript": "un-normalized transcript where the corpus gives both",
    "qualities": "comma-separated note qualities",
    "take": "take / repetition index",
    "segments": "time-stamped segments the corpus gives: JSON list of [start_s, end_s]",
    "up_votes": "validation votes for",
    "down_votes": "validation votes against",
    "intensity": "emotional intensity as the corpus writes it (e.g. 'normal', 'strong', 'high')",
    "dialect": "dialect or regional variety in words",
    "phonemes": "IPA phoneme string of what is said",
    "intent": "spoken command intent in words (e.g. 'action: activate, object: lights, location: kitchen')",
    "translation": "what is said, translated into translation_language",
    "translation_language": "language of `translation` as an English name",
    "parallel_id": "id shared by recordings of the same content (same sentence in another voice or language)",
    "spoof": "'bonafide' or 'spoof'",
    "vocoder": "vocoder or system that generated a spoofed recording",
    "device": "recording device in words",
    "caption": "free-text description of the recording (sound, music or speaking style)",
    "speaking_style": "read / spontaneous / conversational / singing",
    "key": "musical key (e.g. 'A minor')",
    "scale": "musical scale or mode (e.g. 'dorian')",
    "tags": "comma-separated music tags",
    "technique": "vocal or instrumental playing technique in words",
    "artist": "performing artist",
    "tempo": "tempo in beats per minute",
    "beats": "beat times in seconds, comma-separated",
    "chords": "time-stamped chords (e.g. '0.00-1.85 C:maj, 1.85-3.70 A:min')",
    "progression": "chord progression as scale-degree numbers (e.g. 'I-vi-IV-V')",
    "beat_instruments": "instruments per beat (e.g. 'beat1: Drums, Bass; beat2: Drums')",
    "beat_pitches": "pitch per beat (e.g. 'beat1: C4; beat2: E4')",
    "lyrics": "sung text",
    "notes": "note sequence sung or played (e.g. MIDI pitches with durations)",
    "scene": "acoustic scene in words",
    "content_class": "speech / silence / music / noise",
    "labels": "comma-separated sound event or music labels of a multi-label clip (corpus vocabulary, canonical words)",
    "events": "time-stamped events from the corpus's annotation: 'start-end label' list ('0.00-1.20 dog, 2.1-3.0 car')",
    "turns": "who spoke when, from the corpus's annotation: 'start-end speaker' list ('0.00-2.31 A, 2.40-5.02 B')",
    "melody": "melody notes from the corpus's f0 annotation: 'start-end note' list ('0.00-0.52 A4, 0.52-1.10 C5')",
    "pinyin": "tone-numbered pinyin of what is said (Mandarin corpora)",
    "attack": "spoofing attack / system id as the corpus writes it (e.g. 'A07')",
    "target_audio": "path (relative to the corpus root) of the clean signal this recording contains (a source of a "
    "mixture, the clean speech of a noisy file), sample-aligned with it",
    "stems": "JSON object: stem label -> path (relative to the corpus root) of the isolated stem, sample-aligned",
    "imitated": "for a vocal imitation: the sound the person imitates, in words (e.g. 'dog bark')",
}

SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Recording:
    """One audio file of a corpus, normalized."""

    recording_id: str
    audio: str  # path relative to the corpus root
    split: str
    meta: dict[str, Any] = field(default_factory=dict)
    size: int = 0  # bytes of the source file, for planning

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise RecipeError(f"{self.recording_id}: split {self.split!r} is not one of {SPLITS}")
        unknown = set(self.meta) - set(METADATA_FIELDS)
        if unknown:
            raise RecipeError(f"{self.recording_id}: unknown metadata fields {sorted(unknown)}")


@dataclass(frozen=True)
class Problem:
    """Something in the corpus that cannot become a recording (quarantined, never silently skipped)."""

    path: str
    reason: str  # short machine-readable reason, e.g. "missing_audio"
    message: str


@dataclass(frozen=True)
class Absent:
    """A recording the corpus's index names but that is expected to be missing (a YouTube clip a downloader could not
    fetch): counted in ``stats.json`` ``not_fed`` under ``reason``, never an error."""

    path: str
    reason: str = "clip missing"
    message: str = ""


class Recipe(ABC):
    """Maps one corpus's native layout to ``Recording`` rows."""

    name: ClassVar[str]
    # Class attributes, except that a generic recipe (``manifest``) may set these two per instance from its options.
    domain: str  # speech / music / audio
    source: list[str]  # Audio-FLAN ``source`` field, e.g. ["audiobook"]
    provides: ClassVar[frozenset[str]]  # metadata fields it can fill (some rows may lack some)
    number: ClassVar[int]  # stable <NN> of the Audio-FLAN release layout
    #: Fields whose every possible value the recipe knows (one speaker, one language): lets ``tasks --coverage``
    #: and the plan tell a task that can never be fed (no second speaker to pair with) from one that can.
    values: ClassVar[dict[str, frozenset[str]]] = {}
    #: The corpus's licence: its SPDX id where one exists (``CC-BY-4.0``), else its name. The dataset card lists it
    #: per source and flags non-commercial terms.
    license: ClassVar[str]
    #: The corpus's canonical citation (one BibTeX entry), quoted in the dataset card.
    citation: ClassVar[str]

    def __init__(self, root: Root, options: dict[str, Any] | None = None):
        self.root = root
        self.options = dict(options or {})

    @abstractmethod
    def scan(self) -> Iterator[Recording | Problem | Absent]:
        """Yield every recording of the corpus (and every problem found), in a deterministic order."""

    def parts(self) -> list[str]:
        """Independent pieces of the corpus (e.g. subset or speaker folders) that ``scan_part`` reads on its own, so
        that a large corpus is scanned by many workers. The default is the whole corpus as one part."""
        return [""]

    def scan_part(self, part: str) -> Iterator[Recording | Problem | Absent]:
        """The recordings and problems of one part, in a deterministic order (concatenated in ``parts()`` order,
        the parts give the same sequence as ``scan``)."""
        if part != "":
            raise ValueError(f"{self.name}: unknown part {part!r}")
        return self.scan()

    def check_layout(self) -> list[str]:
        """Problems with the root that make a scan pointless (reported with the config errors)."""
        return []

    @classmethod
    def terms(cls, options: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(licence, citation) of a source that uses this recipe with ``options``; None where none is declared."""
        return getattr(cls, "license", None), getattr(cls, "citation", None)


_REGISTRY: dict[str, type[Recipe]] = {}


def register(cls: type[Recipe]) -> type[Recipe]:
    """Class decorator: make a recipe available under its ``name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise RecipeError(f"recipe name {cls.name!r} registered twice")
    unknown = set(cls.provides) - set(METADATA_FIELDS)
    if unknown:
        raise RecipeError(f"recipe {cls.name}: unknown metadata fields {sorted(unknown)}")
    _REGISTRY[cls.name] = cls
    return cls


def registry() -> dict[str, type[Recipe]]:
    from audioflan_ray import recipes  # noqa: F401  (imports every recipe module once)

    return dict(sorted(_REGISTRY.items()))


def hash_split(key: str, dev_percent: int = 5, test_percent: int = 5) -> str:
    """The split for corpora that define none: a stable hash of ``key`` (documented per recipe)."""
    bucket = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 100
    if bucket < test_percent:
        return "test"
    if bucket < test_percent + dev_percent:
        return "dev"
    return "train"


def speaker_split(dataset: str, speaker: str, dev_percent: int = 10, test_percent: int = 10) -> str:
    """The split of a corpus without one, by held-out speakers: a stable hash of the speaker, so that no speaker is in
    two splits (speaker verification, voice conversion, zero-shot TTS and ASR test on unseen voices). Closed-set
    speaker identification splits within speakers instead (its template says so)."""
    return hash_split(f"{dataset}/speaker/{speaker}", dev_percent, test_percent)


def clean(value: Any) -> Any:
    """Normalize an empty or whitespace-only label to None (absent), strip strings."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def compact(meta: dict[str, Any]) -> dict[str, Any]:
    """Drop absent labels so that tasks requiring them do not see them."""
    return {k: v for k, v in ((k, clean(v)) for k, v in meta.items()) if v is not None}
