"""Tone-numbered Hanyu Pinyin -> IPA phonemes (Mandarin corpora that transcribe in pinyin, e.g. AISHELL-3).

The mapping is the standard phonemic one (the IPA columns of the Hanyu Pinyin tables): initials
``b p m f d t n l g k h j q x zh ch sh r z c s`` -> ``p pʰ m f t tʰ n l k kʰ x tɕ tɕʰ ɕ ʈʂ ʈʂʰ ʂ ʐ ts tsʰ s``;
finals split into medial glide, nucleus (diphthongs as one symbol) and coda; the apical vowel of ``zi ci si`` is
``ɹ̩`` and of ``zhi chi shi ri`` ``ɻ̩``. Spelling rules are undone first (``y``/``w`` onsets, ``ju`` = ``jü``,
``iu ui un`` = ``iou uei uen``, ``v`` or ``u:`` for ``ü``). Tones 1-4 are Chao tone letters
(``˥ ˧˥ ˨˩˦ ˥˩``) on the syllable's last phoneme; tone 5 (neutral) has none. Erhua (``dianr3``) ends the
syllable in ``ɻ``, replacing a coda ``n`` (``t j ɛ ɻ˨˩˦``).

Output: phonemes separated by spaces, syllables too (``ni3 hao3`` -> ``n i˨˩˦ x aʊ˨˩˦``).
"""

from __future__ import annotations

import re

_INITIALS = (
    ("zh", "ʈʂ"),
    ("ch", "ʈʂʰ"),
    ("sh", "ʂ"),
    ("b", "p"),
    ("p", "pʰ"),
    ("m", "m"),
    ("f", "f"),
    ("d", "t"),
    ("t", "tʰ"),
    ("n", "n"),
    ("l", "l"),
    ("g", "k"),
    ("k", "kʰ"),
    ("h", "x"),
    ("j", "tɕ"),
    ("q", "tɕʰ"),
    ("x", "ɕ"),
    ("r", "ʐ"),
    ("z", "ts"),
    ("c", "tsʰ"),
    ("s", "s"),
)

_FINALS: dict[str, tuple[str, ...]] = {
    "a": ("a",),
    "o": ("o",),
    "e": ("ɤ",),
    "ê": ("ɛ",),
    "ai": ("aɪ",),
    "ei": ("eɪ",),
    "ao": ("aʊ",),
    "ou": ("oʊ",),
    "an": ("a", "n"),
    "en": ("ə", "n"),
    "ang": ("ɑ", "ŋ"),
    "eng": ("ə", "ŋ"),
    "ong": ("ʊ", "ŋ"),
    "er": ("aɚ",),
    "i": ("i",),
    "ia": ("j", "a"),
    "io": ("j", "o"),
    "ie": ("j", "e"),
    "iao": ("j", "aʊ"),
    "iou": ("j", "oʊ"),
    "ian": ("j", "ɛ", "n"),
    "in": ("i", "n"),
    "iang": ("j", "ɑ", "ŋ"),
    "ing": ("i", "ŋ"),
    "iong": ("j", "ʊ", "ŋ"),
    "u": ("u",),
    "ua": ("w", "a"),
    "uo": ("w", "o"),
    "uai": ("w", "aɪ"),
    "uei": ("w", "eɪ"),
    "uan": ("w", "a", "n"),
    "uen": ("w", "ə", "n"),
    "uang": ("w", "ɑ", "ŋ"),
    "ueng": ("w", "ə", "ŋ"),
    "ü": ("y",),
    "üe": ("ɥ", "e"),
    "üan": ("ɥ", "ɛ", "n"),
    "ün": ("y", "n"),
}

#: ``y``/``w`` spellings of syllables without an initial -> their finals.
_ZERO_INITIAL = {
    "yi": "i",
    "ya": "ia",
    "yo": "io",
    "ye": "ie",
    "yao": "iao",
    "you": "iou",
    "yan": "ian",
    "yin": "in",
    "yang": "iang",
    "ying": "ing",
    "yong": "iong",
    "yu": "ü",
    "yue": "üe",
    "yuan": "üan",
    "yun": "ün",
    "wu": "u",
    "wa": "ua",
    "wo": "uo",
    "wai": "uai",
    "wei": "uei",
    "wan": "uan",
    "wen": "uen",
    "wang": "uang",
    "weng": "ueng",
}
_CONTRACTED = {"iu": "iou", "ui": "uei", "un": "uen"}
_TONES = {"1": "˥", "2": "˧˥", "3": "˨˩˦", "4": "˥˩", "5": ""}
_SYLLABLE = re.compile(r"([a-zêü:]+?)(r?)([1-5])")


def syllable_ipa(syllable: str) -> list[str]:
    """The phonemes of one tone-numbered syllable (``zhuang1`` -> ``ʈʂ w ɑ ŋ˥``); ValueError if it is not pinyin."""
    text = syllable.strip().lower().replace("u:", "ü").replace("v", "ü")
    m = _SYLLABLE.fullmatch(text)
    if not m:
        raise ValueError(f"{syllable!r} is not a tone-numbered pinyin syllable")
    body, erhua, tone = m.groups()
    if body == "e" and erhua:  # "er2" is the final er, not erhua of e
        body, erhua = "er", ""
    initial, ipa_initial = next(((p, i) for p, i in _INITIALS if body.startswith(p) and body != p), ("", ""))
    final = body[len(initial) :]
    if not initial:
        final = _ZERO_INITIAL.get(final, final)
    elif initial in ("j", "q", "x") and final.startswith("u"):
        final = "ü" + final[1:]
    final = _CONTRACTED.get(final, final) if initial else final
    if final == "i" and initial in ("z", "c", "s"):
        phones: tuple[str, ...] = ("ɹ̩",)
    elif final == "i" and initial in ("zh", "ch", "sh", "r"):
        phones = ("ɻ̩",)
    elif final in _FINALS:
        phones = _FINALS[final]
    else:
        raise ValueError(f"{syllable!r}: {final!r} is not a pinyin final")
    if erhua:
        phones = (*(phones[:-1] if phones[-1] == "n" else phones), "ɻ")
    out = ([ipa_initial] if ipa_initial else []) + list(phones)
    out[-1] += _TONES[tone]
    return out


def to_ipa(pinyin: str) -> str:
    """Space-separated tone-numbered pinyin -> space-separated IPA phonemes; ValueError on a syllable it cannot read."""
    return " ".join(p for s in pinyin.split() for p in syllable_ipa(s))
