"""One vocabulary per label: every recipe maps its corpus's spellings here, so a task answers in one set of words.

``canonical(field, value)`` returns the canonical form of a label (or None when the value means "unknown"); the
per-field functions below do the work and say their rules. Templates print these values as they are, so the
wording of answers is decided here once: lower case for common nouns (emotions, genders, genres, scenes, sound
classes), proper names as written, no final period. A value this module cannot place raises ``ValueError``: a recipe
meeting a new spelling should extend the table here, not pass it through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# -- emotion (speech) --------------------------------------------------------------------------------------------------

EMOTIONS = (
    "neutral",
    "calm",
    "happy",
    "sad",
    "angry",
    "fearful",
    "disgusted",
    "surprised",
    "amused",
    "sleepy",
    "contemptuous",
)
_EMOTION_SYNONYMS = {
    "neu": "neutral",
    "neutral": "neutral",
    "calm": "calm",
    "hap": "happy",
    "happy": "happy",
    "happiness": "happy",
    "joy": "happy",
    "sad": "sad",
    "sadness": "sad",
    "ang": "angry",
    "anger": "angry",
    "angry": "angry",
    "fea": "fearful",
    "fear": "fearful",
    "fearful": "fearful",
    "dis": "disgusted",
    "disgust": "disgusted",
    "disgusted": "disgusted",
    "sur": "surprised",
    "surprise": "surprised",
    "surprised": "surprised",
    "amused": "amused",
    "amusement": "amused",
    "sleepy": "sleepy",
    "sleepiness": "sleepy",
    "contempt": "contemptuous",
    "contemptuous": "contemptuous",
}


def emotion(value: Any) -> str:
    """A speech emotion as an adjective: ``ANG``/``anger``/``Angry`` -> ``angry``."""
    key = str(value).strip().lower()
    if key not in _EMOTION_SYNONYMS:
        raise ValueError(f"emotion {value!r} is not in the vocabulary {EMOTIONS}")
    return _EMOTION_SYNONYMS[key]


# -- gender ------------------------------------------------------------------------------------------------------------

GENDERS = ("male", "female", "other")
_GENDER_SYNONYMS = {
    "m": "male",
    "male": "male",
    "man": "male",
    "male_masculine": "male",
    "f": "female",
    "female": "female",
    "woman": "female",
    "female_feminine": "female",
    "other": "other",
    "non-binary": "other",
    "intersex": "other",
    "transgender": "other",
}


def gender(value: Any) -> str | None:
    """``M``/``male``/``Male`` -> ``male``; ``F`` -> ``female``; non-binary spellings -> ``other``; unknown -> None."""
    key = str(value).strip().lower()
    if key in ("", "unknown", "u", "do_not_wish_to_say", "none"):
        return None
    if key not in _GENDER_SYNONYMS:
        raise ValueError(f"gender {value!r} is not in the vocabulary {GENDERS}")
    return _GENDER_SYNONYMS[key]


# -- age ---------------------------------------------------------------------------------------------------------------

AGE_GROUPS = (
    "child",
    "teens",
    "twenties",
    "thirties",
    "forties",
    "fifties",
    "sixties",
    "seventies",
    "eighties",
    "nineties",
)
_DECADES = {2: "twenties", 3: "thirties", 4: "forties", 5: "fifties", 6: "sixties", 7: "seventies", 8: "eighties"}
_AGE_WORDS = {
    "child": "child",
    "children": "child",
    "kid": "child",
    "teens": "teens",
    "teen": "teens",
    "teenager": "teens",
    "twenties": "twenties",
    "thirties": "thirties",
    "forties": "forties",
    "fourties": "forties",  # Common Voice's spelling
    "fifties": "fifties",
    "sixties": "sixties",
    "seventies": "seventies",
    "eighties": "eighties",
    "nineties": "nineties",
}


def age_group(value: Any) -> str | None:
    """An age as its group: years -> ``child`` (< 13), ``teens`` (13-19), then decades (``29`` -> ``twenties``);
    bucket words as the corpora write them (``fourties`` -> ``forties``); ranges like ``20-29`` by their lower end."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("", "unknown", "none", "nan"):
        return None
    m = re.fullmatch(r"(\d+)(?:\s*[-~]\s*\d+)?", text)
    if m:
        years = int(m.group(1))
        if years < 13:
            return "child"
        if years < 20:
            return "teens"
        return _DECADES.get(years // 10, "nineties" if years >= 90 else "twenties")
    if text not in _AGE_WORDS:
        raise ValueError(f"age {value!r} is neither years nor one of {AGE_GROUPS}")
    return _AGE_WORDS[text]


# -- languages ---------------------------------------------------------------------------------------------------------

#: ISO 639-1 / 639-3 / BCP-47 codes (as corpora write them) -> English name of the language.
LANGUAGES: dict[str, str] = {
    "af": "Afrikaans",
    "am": "Amharic",
    "ar": "Arabic",
    "as": "Assamese",
    "ast": "Asturian",
    "az": "Azerbaijani",
    "be": "Belarusian",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "bs": "Bosnian",
    "ca": "Catalan",
    "catalan/valencian": "Catalan",  # Vocadito's spelling (Valencian is Catalan as written in Valencia)
    "ceb": "Cebuano",
    "ckb": "Central Kurdish",
    "cmn": "Mandarin Chinese",
    "cs": "Czech",
    "cy": "Welsh",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "eo": "Esperanto",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "ff": "Fula",
    "fi": "Finnish",
    "fil": "Filipino",
    "fr": "French",
    "ga": "Irish",
    "gl": "Galician",
    "gu": "Gujarati",
    "ha": "Hausa",
    "haw": "Hawaiian",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "hy": "Armenian",
    "id": "Indonesian",
    "ig": "Igbo",
    "is": "Icelandic",
    "it": "Italian",
    "ja": "Japanese",
    "jv": "Javanese",
    "ka": "Georgian",
    "kam": "Kamba",
    "kea": "Kabuverdianu",
    "kk": "Kazakh",
    "km": "Khmer",
    "kn": "Kannada",
    "ko": "Korean",
    "ky": "Kyrgyz",
    "lb": "Luxembourgish",
    "lg": "Ganda",
    "ln": "Lingala",
    "lo": "Lao",
    "lt": "Lithuanian",
    "luo": "Luo",
    "lv": "Latvian",
    "mi": "Maori",
    "mk": "Macedonian",
    "ml": "Malayalam",
    "mandarin": "Mandarin Chinese",  # Vocadito's spelling
    "mn": "Mongolian",
    "mr": "Marathi",
    "ms": "Malay",
    "mt": "Maltese",
    "my": "Burmese",
    "nb": "Norwegian",
    "ne": "Nepali",
    "nl": "Dutch",
    "nso": "Northern Sotho",
    "ny": "Nyanja",
    "oc": "Occitan",
    "om": "Oromo",
    "or": "Odia",
    "pa": "Punjabi",
    "pl": "Polish",
    "ps": "Pashto",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sd": "Sindhi",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sn": "Shona",
    "so": "Somali",
    "sr": "Serbian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "te": "Telugu",
    "tg": "Tajik",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "umb": "Umbundu",
    "ur": "Urdu",
    "uz": "Uzbek",
    "vi": "Vietnamese",
    "wo": "Wolof",
    "xh": "Xhosa",
    "yo": "Yoruba",
    "yue": "Cantonese",
    "zh": "Chinese",
    "zh-cn": "Mandarin Chinese",
    "zh-tw": "Mandarin Chinese",
    "zh-hk": "Cantonese",
    "zu": "Zulu",
    # Common Voice locales not covered above (its 6.x-7.x releases)
    "ab": "Abkhaz",
    "br": "Breton",
    "cnh": "Hakha Chin",
    "cv": "Chuvash",
    "dv": "Dhivehi",
    "fy": "Western Frisian",
    "hsb": "Upper Sorbian",
    "ia": "Interlingua",
    "kab": "Kabyle",
    "rm": "Romansh",
    "rw": "Kinyarwanda",
    "sah": "Sakha",
    "tt": "Tatar",
    "vot": "Votic",
}
_LANGUAGE_NAMES = {name.lower(): name for name in LANGUAGES.values()}


def language(value: Any) -> str:
    """A language code (``en``, ``zh-CN``, ``cmn_hans_cn``, ``en_us``) or English name -> the English name."""
    text = str(value).strip()
    key = text.lower().replace("_", "-")
    if key in LANGUAGES:
        return LANGUAGES[key]
    if key in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[key]
    head = key.split("-", 1)[0]
    if head in LANGUAGES:
        return LANGUAGES[head]
    raise ValueError(f"language {value!r} is not a known code or name (extend vocab.LANGUAGES)")


# -- accents -----------------------------------------------------------------------------------------------------------

#: Accent spellings -> canonical accent. An accent is where a way of speaking comes from, never a bare language name:
#: VCTK's and Common Voice's "English" (England) becomes "English (England)".
_ACCENTS = {
    "american": "American",
    "us": "American",
    "united states english": "American",
    "canadian": "Canadian",
    "canada": "Canadian",
    "english": "English (England)",
    "english (england)": "English (England)",
    "england": "English (England)",
    "british": "British",
    "scottish": "Scottish",
    "scotland": "Scottish",
    "irish": "Irish",
    "ireland": "Irish",
    "northern irish": "Northern Irish",
    "northernirish": "Northern Irish",
    "welsh": "Welsh",
    "wales": "Welsh",
    "australian": "Australian",
    "australia": "Australian",
    "new zealand": "New Zealand",
    "newzealand": "New Zealand",
    "south african": "South African",
    "southafrican": "South African",
    "southatlandtic": "South Atlantic",
    "south atlantic": "South Atlantic",
    "indian": "Indian",
    "indian english": "Indian",
    "singaporean": "Singaporean",
    "singapore": "Singaporean",
    "malaysian": "Malaysian",
    "filipino": "Filipino",
    "philippines": "Filipino",
    "hong kong": "Hong Kong",
    "hongkong": "Hong Kong",
    "african": "African",
    "bermudian": "Bermudian",
    "bermuda": "Bermudian",
    "west indies and bermuda": "West Indian",
    "west indian": "West Indian",
    "asian": "Asian",
    "german": "German",
    "french": "French",
    "spanish": "Spanish",
    "italian": "Italian",
    "dutch": "Dutch",
    "russian": "Russian",
    "arabic": "Arabic",
    # AudioMNIST's spellings (its speakers' first language or origin)
    "german/spanish": "German and Spanish",
    "german and spanish": "German and Spanish",
    "south korean": "South Korean",
    "levant": "Levantine",
    "levantine": "Levantine",
    "chinese": "Chinese",
    "brasilian": "Brazilian",
    "brazilian": "Brazilian",
    "egyptian american": "Egyptian American",
    "danish": "Danish",
    "tamil": "Tamil",
    "madras": "Indian",  # the city (Chennai), not a variety of its own
    "india": "Indian",
    # FSDD's speaker table (BEL/French, GRC/Greek) and Common Voice's "malaysia"
    "belgian": "Belgian",
    "greek": "Greek",
    "malaysia": "Malaysian",
    "northern": "Northern",
    "southern": "Southern",
    "north": "Northern",
    "south": "Southern",
}


def accent(value: Any) -> str | None:
    """An accent in words (``NorthernIrish`` -> ``Northern Irish``, ``us`` -> ``American``, ``English`` ->
    ``English (England)``); ``unknown``/``other`` -> None."""
    text = str(value).strip()
    key = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower()
    if key in ("", "unknown", "other", "none"):
        return None
    if key not in _ACCENTS:
        raise ValueError(f"accent {value!r} is not in the accent vocabulary (extend vocab._ACCENTS)")
    return _ACCENTS[key]


# -- speakers ----------------------------------------------------------------------------------------------------------


def speaker(dataset: str, value: Any) -> str:
    """A speaker named so that two corpora never share a name: ``<dataset>_<corpus id>`` (``vctk_p225``)."""
    sid = re.sub(r"[^A-Za-z0-9]+", "-", str(value).strip()).strip("-")
    if not sid:
        raise ValueError(f"{dataset}: empty speaker id")
    return f"{dataset}_{sid}"


# -- age bands -------------------------------------------------------------------------------------------------------


def age_band(low: int | None, high: int | None) -> str:
    """A corpus's age band in years (either end open): its age group when the whole band lies in one (``20``-``29``
    -> ``twenties``), else the band itself (``14``-``25`` -> ``14-25``, ``None``-``13`` -> ``under 14``, ``41``-
    ``None`` -> ``over 40``), so that an answer never claims more than the corpus knows."""
    if low is not None and high is not None:
        if low > high:
            raise ValueError(f"age band {low}-{high} is empty")
        first, last = age_group(low), age_group(high)
        return first if first == last and first is not None else f"{low}-{high}"
    if high is not None:
        return "child" if high < 13 else f"under {high + 1}"
    if low is not None:
        return "nineties" if low >= 90 else f"over {low - 1}"
    raise ValueError("age band without either end")


# -- dialects ----------------------------------------------------------------------------------------------------------

#: Dialect spellings -> the dialect in words. KeSpeech's eight subdialects are varieties of Mandarin, named as
#: linguists do (``Ji-Lu`` -> ``Ji-Lu Mandarin``); its ``Mandarin`` is the standard language.
_DIALECTS = {
    # regional varieties of English and Spanish, as speech synthesizers and accent corpora name them
    "american english": "American English",
    "british english": "British English",
    "castilian spanish": "Castilian Spanish",
    "scottish english": "Scottish English",
    "latin american spanish": "Latin American Spanish",
    "caribbean english": "Caribbean English",
    "new york city english": "New York City English",
    "australian english": "Australian English",
    "irish english": "Irish English",
    "english of england": "English of England",
    "northern irish english": "Northern Irish English",
    "south african english": "South African English",
    "canadian english": "Canadian English",
    "mandarin": "Standard Mandarin",
    "standard mandarin": "Standard Mandarin",
    "beijing": "Beijing Mandarin",
    "ji-lu": "Ji-Lu Mandarin",
    "jiang-huai": "Jiang-Huai Mandarin",
    "jiao-liao": "Jiao-Liao Mandarin",
    "lan-yin": "Lan-Yin Mandarin",
    "northeastern": "Northeastern Mandarin",
    "southwestern": "Southwestern Mandarin",
    "zhongyuan": "Zhongyuan Mandarin",
}


def dialect(value: Any) -> str:
    """A dialect in words: KeSpeech ``Southwestern`` -> ``Southwestern Mandarin``, ``Mandarin`` -> ``Standard
    Mandarin``; names already in words pass when listed."""
    key = re.sub(r"\s+", " ", str(value).strip()).lower()
    if key in _DIALECTS:
        return _DIALECTS[key]
    if key in {v.lower() for v in _DIALECTS.values()}:
        return next(v for v in _DIALECTS.values() if v.lower() == key)
    raise ValueError(f"dialect {value!r} is not in the dialect vocabulary (extend vocab._DIALECTS)")


# -- vocoders (spoofed speech) -----------------------------------------------------------------------------------------

#: Waveform generators as the anti-spoofing corpora name them -> words. ASVspoof 2019 LA names one generator per
#: attack (its paper's table); the ASVspoof 2021 DF keys give a vocoder category.
_VOCODERS = {
    "espeak-ng formant synthesizer": "espeak-ng formant synthesizer",
    "griffin-lim phase reconstruction (copy-synthesis from the stft magnitude)": "Griffin-Lim phase reconstruction",
    "griffin-lim phase reconstruction": "Griffin-Lim phase reconstruction",
    "wavenet": "WaveNet",
    "world": "WORLD",
    "straight": "STRAIGHT",
    "vocaine": "Vocaine",
    "wavernn": "WaveRNN",
    "griffin-lim": "Griffin-Lim",
    "neural source-filter": "neural source-filter",
    "spectral filtering": "spectral filtering",
    "waveform filtering": "waveform filtering",
    "mfcc vocoder": "MFCC vocoder",
    "waveform concatenation": "waveform concatenation",
    "waveform_concatenation": "waveform concatenation",
    "traditional_vocoder": "traditional vocoder",
    "traditional vocoder": "traditional vocoder",
    "neural_vocoder_autoregressive": "autoregressive neural vocoder",
    "autoregressive neural vocoder": "autoregressive neural vocoder",
    "neural_vocoder_nonautoregressive": "non-autoregressive neural vocoder",
    "non-autoregressive neural vocoder": "non-autoregressive neural vocoder",
}


def vocoder(value: Any) -> str | None:
    """A spoofing system's waveform generator in words (``neural_vocoder_autoregressive`` -> ``autoregressive neural
    vocoder``, ``WORLD`` as written); ``unknown`` / ``bonafide`` / ``-`` -> None."""
    key = str(value).strip().lower()
    if key in ("", "-", "unknown", "bonafide", "none"):
        return None
    if key not in _VOCODERS:
        raise ValueError(f"vocoder {value!r} is not in the vocoder vocabulary (extend vocab._VOCODERS)")
    return _VOCODERS[key]


# -- musical key and tempo ---------------------------------------------------------------------------------------------

#: Pitch classes as musicians spell them most often (GiantSteps' own spelling): sharps for C#, F#, flats elsewhere.
PITCH_CLASSES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_PC_INDEX = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_MODES = {
    "major": "major",
    "maj": "major",
    "minor": "minor",
    "min": "minor",
    "m": "minor",
    "aeolian": "minor",
    "ionian": "major",
}


def pitch_class(value: str) -> str:
    """``Db``/``C#``/``c sharp`` -> ``C#``; ``D#`` -> ``Eb``."""
    text = value.strip().replace("♯", "#").replace("♭", "b").replace(" sharp", "#").replace(" flat", "b")
    m = re.fullmatch(r"([A-Ga-g])([#b]*)", text)
    if not m:
        raise ValueError(f"pitch class {value!r}")
    pc = _PC_INDEX[m.group(1).upper()] + m.group(2).count("#") - m.group(2).count("b")
    return PITCH_CLASSES[pc % 12]


def key(value: Any) -> str:
    """A musical key as ``<tonic> major|minor``: ``Eb minor``, ``d#:min``, ``C#m``, ``A`` (major) all normalize."""
    text = str(value).strip().replace(":", " ").replace("\t", " ")
    m = re.fullmatch(r"([A-Ga-g](?:[#b♯♭]|\s(?:sharp|flat))*)\s*([A-Za-z]*)", text)
    if not m:
        raise ValueError(f"key {value!r}")
    mode = _MODES.get(m.group(2).lower() or "major")
    if mode is None:
        raise ValueError(f"key {value!r}: mode {m.group(2)!r} is not major or minor")
    return f"{pitch_class(m.group(1))} {mode}"


def tempo(value: Any) -> float:
    """Beats per minute, rounded to 0.1 (templates print the unit: ``120 BPM``)."""
    bpm = float(value)
    if not 10 <= bpm <= 400:
        raise ValueError(f"tempo {value!r} BPM is implausible")
    return round(bpm, 1)


_NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(midi: float) -> str:
    """MIDI note number -> scientific pitch name (``69`` -> ``A4``); sharps, as MIDI note tables write them."""
    n = int(round(float(midi)))
    return f"{_NOTE_NAMES[n % 12]}{n // 12 - 1}"


# -- music tags and moods ----------------------------------------------------------------------------------------------

#: Mood/theme tags of MTG-Jamendo (``data/tags/moodtheme.txt``): the words a music emotion task answers with.
MUSIC_MOODS = (
    "action",
    "adventure",
    "advertising",
    "ambiental",
    "background",
    "ballad",
    "calm",
    "children",
    "christmas",
    "commercial",
    "cool",
    "corporate",
    "dark",
    "deep",
    "documentary",
    "drama",
    "dramatic",
    "dream",
    "emotional",
    "energetic",
    "epic",
    "fast",
    "film",
    "fun",
    "funny",
    "game",
    "groovy",
    "happy",
    "heavy",
    "holiday",
    "hopeful",
    "horror",
    "inspiring",
    "love",
    "meditative",
    "melancholic",
    "mellow",
    "melodic",
    "motivational",
    "movie",
    "nature",
    "party",
    "positive",
    "powerful",
    "relaxing",
    "retro",
    "romantic",
    "sad",
    "sexy",
    "slow",
    "soft",
    "soundscape",
    "space",
    "sport",
    "summer",
    "trailer",
    "travel",
    "upbeat",
    "uplifting",
)

#: Music tags that corpora write run together (MTG-Jamendo's ``electricguitar``, ``poprock``) -> words.
_MUSIC_TAG_WORDS = {
    "acousticguitar": "acoustic guitar",
    "classicalguitar": "classical guitar",
    "electricguitar": "electric guitar",
    "electricpiano": "electric piano",
    "drummachine": "drum machine",
    "doublebass": "double bass",
    "acousticbassguitar": "acoustic bass guitar",
    "instrumentalpop": "instrumental pop",
    "instrumentalrock": "instrumental rock",
    "easylistening": "easy listening",
    "newage": "new age",
    "newwave": "new wave",
    "popfolk": "pop folk",
    "poprock": "pop rock",
    "triphop": "trip hop",
    "drumnbass": "drum and bass",
    "rocknroll": "rock and roll",
    "bossanova": "bossa nova",
    "darkambient": "dark ambient",
    "darkwave": "dark wave",
    "synthpop": "synth pop",
    "edm": "EDM",
    "hip-hop": "hip hop",  # FMA's top-level genres
    "soul-rnb": "soul and r&b",
}


def music_tag(value: Any) -> str:
    """A music tag in words: the part after a ``genre---`` / ``instrument---`` / ``mood/theme---`` prefix, run-together
    compounds split (``instrument---electricguitar`` -> ``electric guitar``), other words as ``words`` gives them."""
    tag = str(value).strip().rsplit("---", 1)[-1]
    text = words(tag)
    return _MUSIC_TAG_WORDS.get(text.replace(" ", ""), text)


#: Playing and singing techniques as corpora name them (folder names, abbreviations) -> words.
_TECHNIQUES = {
    # VocalSet technique folders
    "belt": "belt",
    "breathy": "breathy",
    "inhaled": "inhaled singing",
    "lip_trill": "lip trill",
    "spoken": "spoken",
    "straight": "straight tone",
    "trill": "trill",
    "trillo": "trillo",
    "vibrato": "vibrato",
    "vocal_fry": "vocal fry",
    "fast_forte": "fast forte",
    "fast_piano": "fast piano",
    "slow_forte": "slow forte",
    "slow_piano": "slow piano",
    "forte": "forte",
    "pp": "pianissimo",
    "messa": "messa di voce",
    # TinySOL (Ircam Studio On Line): the ordinary way of playing, no mute
    "ordinario": "ordinario",
    "ord": "ordinario",
    # OrchideaSOL ``Technique (in full)`` spellings (also its technique folder names)
    "aeolian": "aeolian",
    "aeolian_and_ordinario": "aeolian and ordinario",
    "artificial_harmonic": "artificial harmonic",
    "artificial_harmonic_tremolo": "artificial harmonic tremolo",
    "behind_the_bridge": "behind the bridge",
    "behind_the_fingerboard": "behind the fingerboard",
    "behind_the_frog": "behind the frog",
    "bisbigliando": "bisbigliando",
    "bisbigliando_with_stick": "bisbigliando with stick",
    "blow": "blow",
    "blow_without_reed": "blow without reed",
    "brassy": "brassy",
    "breath": "breath",
    "cluster": "cluster",
    "cluster_with_nail": "cluster with nail",
    "col_legno_battuto": "col legno battuto",
    "col_legno_tratto": "col legno tratto",
    "combination_of_registers": "combination of registers",
    "damped": "damped",
    "discolored_fingering": "discolored fingering",
    "double_tonguing": "double tonguing",
    "flatterzunge": "flatterzunge",
    "flatterzunge_closed": "flatterzunge closed",
    "flatterzunge_high_register": "flatterzunge high register",
    "flatterzunge_no_mouthpiece": "flatterzunge without mouthpiece",
    "flatterzunge_open": "flatterzunge open",
    "flatterzunge_stopped": "flatterzunge stopped",
    "growl": "growl",
    "harmonic_fingering": "harmonic fingering",
    "jet_whistle": "jet whistle",
    "key_click": "key click",
    "kiss": "kiss",
    "ordinario_closed": "ordinario closed",
    "ordinario_high_register": "ordinario high register",
    "ordinario_open": "ordinario open",
    "pedal_tone": "pedal tone",
    "pizzicato_bartok": "Bartók pizzicato",
    "pizzicato_l_vib": "pizzicato laissez vibrer",
    "pizzicato_secco": "pizzicato secco",
    "sforzato": "sforzato",
    "single_tonguing": "single tonguing",
    "slap_pitched": "pitched slap",
    "slap_unpitched": "unpitched slap",
    "stopped": "stopped",
    "sul_ponticello": "sul ponticello",
    "sul_ponticello_tremolo": "sul ponticello tremolo",
    "sul_tasto_tremolo": "sul tasto tremolo",
    "tremolo": "tremolo",
    "tremolo_with_fingertips": "tremolo with fingertips",
    "whistle_tones": "whistle tones",
}


def technique(value: Any) -> str:
    """A singing or playing technique in words (``vocal_fry`` -> ``vocal fry``, ``messa`` -> ``messa di voce``)."""
    key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _TECHNIQUES:
        raise ValueError(f"technique {value!r} is not in the technique vocabulary (extend vocab._TECHNIQUES)")
    return _TECHNIQUES[key]


def music_mood(value: Any) -> str:
    """A music mood or theme (``mood/theme---happy`` -> ``happy``), one of ``MUSIC_MOODS``."""
    mood = music_tag(value)
    if mood not in MUSIC_MOODS:
        raise ValueError(f"music mood {value!r} is not in the vocabulary MUSIC_MOODS")
    return mood


# -- free class words --------------------------------------------------------------------------------------------------


def words(value: Any) -> str:
    """A class name as words in lower case: ``Chirping_birds`` -> ``chirping birds``, ``street_traffic`` -> ``street
    traffic``, ``hiphop`` -> ``hip hop``; proper names are not class words and must not come through here."""
    text = re.sub(r"[_]+", " ", str(value).strip())
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower()
    text = re.sub(r"\s+", " ", text)
    return _WORD_FIXES.get(text, text)


_WORD_FIXES = {"hiphop": "hip hop", "rnb": "r&b", "drum and bass": "drum and bass", "dnb": "drum and bass"}
# Genres named after a tradition are proper adjectives and keep their capital.
_WORD_FIXES.update({"carnatic": "Carnatic", "hindustani": "Hindustani"})


# -- sound classes of the AudioSet ontology ---------------------------------------------------------------------------

#: AudioSet display names whose comma does not separate synonyms: the first part alone would merge classes.
_SOUND_CLASS_FIXES = {
    "inside, small room": "small room",
    "inside, large room or hall": "large room or hall",
    "inside, public space": "indoor public space",
    "outside, urban or manmade": "urban or manmade outdoors",
    "outside, rural or natural": "rural or natural outdoors",
    "roaring cats (lions, tigers)": "roaring cats",
    "channel, environment and background": "channel and environment",
    "fire engine, fire truck (siren)": "fire engine (siren)",
}


def sound_class(value: Any) -> str:
    """An AudioSet-ontology class name in words (AudioSet's display names, FSD50K's labels once ``fsd50k_class`` has
    restored their commas, VocalImitationSet's categories): the first of its comma-separated synonyms, in lower
    case, so that a list of classes can be written comma-separated (``Male speech, man speaking`` -> ``male
    speech``, ``Bee, wasp, etc.`` -> ``bee``); the few names whose comma qualifies rather than lists synonyms have
    their own words (``Inside, small room`` -> ``small room``)."""
    text = re.sub(r"\s+", " ", str(value).replace("_", " ")).strip()
    key = text.lower()
    if key in _SOUND_CLASS_FIXES:
        return _SOUND_CLASS_FIXES[key]
    if not key:
        raise ValueError("empty sound class")
    depth, first = 0, []
    for ch in text:  # the first synonym ends at the first comma outside parentheses
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            break
        first.append(ch)
    return words("".join(first))


def fsd50k_class(value: Any) -> str:
    """An FSD50K label (AudioSet names written with ``_`` for spaces and ``_and_`` for ``, ``) in words."""
    return sound_class(str(value).strip().replace("_and_", ", "))


#: VGGSound's labels that hold a comma (``<synonyms> <verb>``, or an AudioSet name) as comma-free words; the others
#: are words already. One corpus typo is fixed (``eletric``).
_VGGSOUND_LABELS = {
    "alligators, crocodiles hissing": "alligators hissing",
    "bee, wasp, etc. buzzing": "bee buzzing",
    "bird chirping, tweeting": "bird chirping",
    "cattle, bovinae cowbell": "cattle cowbell",
    "child speech, kid speaking": "child speech",
    "donkey, ass braying": "donkey braying",
    "electric shaver, electric razor shaving": "electric shaver shaving",
    "engine accelerating, revving, vroom": "engine accelerating",
    "female speech, woman speaking": "female speech",
    "fly, housefly buzzing": "fly buzzing",
    "heart sounds, heartbeat": "heart sounds",
    "ice cream truck, ice cream van": "ice cream truck",
    "male speech, man speaking": "male speech",
    "motorboat, speedboat acceleration": "motorboat acceleration",
    "pigeon, dove cooing": "pigeon cooing",
    "playing marimba, xylophone": "playing marimba",
    "playing steel guitar, slide guitar": "playing steel guitar",
    "playing violin, fiddle": "playing violin",
    "race car, auto racing": "race car",
    "railroad car, train wagon": "railroad car",
    "rowboat, canoe, kayak rowing": "rowboat rowing",
    "subway, metro, underground": "subway",
    "vehicle horn, car horn, honking": "vehicle horn",
    "eletric blender running": "electric blender running",
}


def vggsound_class(value: Any) -> str:
    """A VGGSound label in comma-free words (``bee, wasp, etc. buzzing`` -> ``bee buzzing``)."""
    key = re.sub(r"\s+", " ", str(value)).strip().lower()
    if key in _VGGSOUND_LABELS:
        return _VGGSOUND_LABELS[key]
    if "," in key:
        raise ValueError(f"VGGSound label {value!r} holds a comma and is not in vocab._VGGSOUND_LABELS")
    return words(key)


def text(value: Any) -> str:
    """Free text (a transcript, a caption): whitespace collapsed, the corpus's own words and case kept."""
    return re.sub(r"\s+", " ", str(value)).strip()


#: field -> canonical form (fields not listed here keep their value; ``speaker`` needs the dataset: ``speaker()``).
CANONICAL: dict[str, Callable[[Any], Any]] = {
    "emotion": emotion,
    "gender": gender,
    "age": age_group,
    "language": language,
    "accent": accent,
    "key": key,
    "tempo": tempo,
    "genre": words,
    "scene": words,
    "label": words,
    "instrument": words,
    "instrument_family": words,
    "transcript": text,
    "caption": text,
    "dialect": dialect,
    "vocoder": vocoder,
}


def canonical(field: str, value: Any) -> Any:
    """The canonical form of ``value`` for metadata ``field`` (None: the corpus's way of saying "unknown")."""
    if value is None:
        return None
    fn = CANONICAL.get(field)
    return fn(value) if fn else value
