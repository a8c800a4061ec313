"""Speech and silence measured on real audio: silero-vad on speech corpora, sound and music clips, silence, mixtures,
and the content answers that follow from the measurement."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from audioflan_ray.audio import content, ops, vad
from audioflan_ray.audio.simulate import active_span
from tests.conftest import SAMPLES, shared_corpus

RATE = 16000
SPEECH = [
    SAMPLES / "librispeech/LibriSpeech/test-clean/1089/134686/1089-134686-0000.flac",
    SAMPLES / "librispeech/LibriSpeech/test-clean/1089/134691/1089-134691-0000.flac",
    SAMPLES / "ljspeech/LJSpeech-1.1/wavs/LJ001-0002.wav",
    SAMPLES / "vctk/VCTK-Corpus/wav48/p255/p255_367.wav",
    SAMPLES / "fsdd/recordings/0_george_0.wav",  # 0.3 s at 8 kHz
]
NON_SPEECH = [SAMPLES / "esc50/audio/1-100032-A-0.wav", *sorted((SAMPLES / "nsynth/nsynth-test/audio").glob("*.wav"))]


@cache
def _raw(path: Path) -> tuple[np.ndarray, int]:
    audio, rate = ops.decode(path.read_bytes(), path.name)
    return ops.to_mono(audio).astype(np.float32), rate


def _load(path: Path) -> np.ndarray:
    x, rate = _raw(path)
    return ops.resample(x, rate, RATE)


@pytest.mark.parametrize("path", SPEECH, ids=lambda p: p.name)
def test_speech_is_found_at_the_source_rate(path: Path) -> None:
    x, rate = _raw(path)  # 16 kHz, 22.05 kHz, 48 kHz (resampled for the VAD) and 8 kHz (used as it is)
    c = content.measure(x, rate)
    assert c.speech_ratio >= 0.5, c
    assert content.has_speech(c) and content.content_class(c, "speech") == "speech"
    assert all(0 <= s < e <= len(x) / rate + 1e-3 for s, e in c.speech_segments)


@pytest.mark.parametrize("path", NON_SPEECH, ids=lambda p: p.name)
def test_sound_and_music_clips_hold_no_speech(path: Path) -> None:
    c = content.measure(*_raw(path))
    assert not content.has_speech(c), c
    domain = "music" if "nsynth" in str(path) else "audio"
    assert content.content_class(c, domain) == ("music" if domain == "music" else "noise")


def test_silence_is_silence_whatever_the_corpus() -> None:
    for x in (np.zeros(2 * RATE, dtype=np.float32), (1e-4 * np.random.default_rng(0).standard_normal(2 * RATE))):
        c = content.measure(x.astype(np.float32), RATE)
        assert content.is_silent(c) and c.speech_segments == ()
        for domain in ("speech", "music", "audio"):
            assert content.content_class(c, domain) == "silence"
            assert not content.has_speech(c, {"content_class": "speech"})


def test_segments_are_where_the_speech_was_put_and_do_not_depend_on_gain() -> None:
    full = _load(SPEECH[1])
    speech = full[slice(*active_span(full, RATE))]  # ~1.5 s of the 2.1 s file, without its own pauses at the ends
    a, b = RATE, RATE + len(speech)
    x = np.zeros(3 * RATE + len(speech), dtype=np.float32)
    x[a:b] = speech
    found = vad.speech_segments(x, RATE)
    assert found
    assert found[0][0] == pytest.approx(1.0, abs=0.15) and found[-1][1] == pytest.approx(b / RATE, abs=0.3)
    quiet = vad.speech_segments(x * 10 ** (-40 / 20), RATE)  # a recording 40 dB quieter: same answer
    assert quiet == found
    c = content.measure(x, RATE)
    # Three seconds of digital silence around 2.1 s of speech: silent frames and speech share the duration.
    assert c.silence_ratio == pytest.approx(1 - c.speech_ratio, abs=0.15)
    assert content.content_class(c, "speech") == "speech"


def test_speech_over_a_sound_is_found_and_a_sound_corpus_names_it() -> None:
    speech, dog = _load(SPEECH[0]), _load(NON_SPEECH[0])
    n = min(len(speech), len(dog))
    dog_part = dog[:n] * np.sqrt(np.sum(speech[:n] ** 2) / np.sum(dog[:n] ** 2))  # 0 dB
    c = content.measure((speech[:n] + dog_part) / 2, RATE)
    assert content.has_speech(c) and content.content_class(c, "audio") == "speech"
    # A music corpus keeps its class; a corpus's own content label decides over the VAD.
    assert content.content_class(c, "music") == "music"
    assert not content.has_speech(c, {"content_class": "noise"})
    assert content.content_class(c, "audio", {"content_class": "noise"}) == "noise"
    with pytest.raises(ValueError, match="content_class"):
        content.content_class(c, "audio", {"content_class": "babble"})


def test_measurement_round_trips_through_json() -> None:
    c = content.measure(_load(SPEECH[0]), RATE)
    again = content.Content.from_json(c.to_json())
    assert again.speech_segments == c.speech_segments and again.speech_ratio == pytest.approx(c.speech_ratio, 1e-3)


def test_clotho_people_talking_contains_speech() -> None:
    root = shared_corpus("clotho") / "evaluation"
    talking = content.measure(*_raw(root / "Tenerife_bazaar_2.wav"))  # "A group of people are talking ..."
    assert content.has_speech(talking) and talking.speech_s > 5.0, talking
    for name in ("Flipping Pages.wav", "01 barreau bunker original.wav"):
        c = content.measure(*_raw(root / name))
        assert not content.has_speech(c) and content.content_class(c, "audio") == "noise", name
