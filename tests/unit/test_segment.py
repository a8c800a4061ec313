"""Segmentation: fixed windows, pause-aware splitting of real (espeak-ng) speech with known pauses, corpus spans."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audioflan_ray.audio.ops import Window
from audioflan_ray.audio.segment import annotated_windows, fixed_windows, frame_energy_db, silence_split
from tests.conftest import SAMPLES

RATE = 16000


def _cover(ws: list[Window], n: int) -> None:
    assert ws[0].start == 0 and ws[-1].end == n
    assert all(a.end == b.start for a, b in zip(ws, ws[1:], strict=False))
    assert [w.index for w in ws] == list(range(len(ws)))


# ----------------------------------------------------------------------------------------------------- fixed_windows


def test_fixed_windows_tail_policies() -> None:
    n = int(25.5 * RATE)  # 2 full 10 s windows and a 5.5 s tail
    keep = fixed_windows(n, RATE, 10.0, tail="keep")
    assert [(w.start, w.end) for w in keep] == [(0, 160000), (160000, 320000), (320000, n)]
    assert fixed_windows(n, RATE, 10.0, tail="drop") == keep[:2]
    assert fixed_windows(n, RATE, 10.0, tail="merge", min_tail_s=1.0) == keep  # 5.5 s tail is long enough
    merged = fixed_windows(n, RATE, 10.0, tail="merge", min_tail_s=6.0)
    assert [(w.start, w.end) for w in merged] == [(0, 160000), (160000, n)]
    _cover(merged, n)
    # Exact multiple: no tail at all, whatever the policy.
    for tail in ("drop", "keep", "merge"):
        assert len(fixed_windows(30 * RATE, RATE, 10.0, tail=tail)) == 3


def test_fixed_windows_short_recording_and_overlap() -> None:
    for tail in ("drop", "keep", "merge"):
        assert fixed_windows(3 * RATE, RATE, 10.0, tail=tail) == [Window(0, 0, 3 * RATE)]
    assert fixed_windows(0, RATE, 10.0) == []
    n = 23 * RATE
    ws = fixed_windows(n, RATE, 10.0, hop_s=5.0, tail="keep")  # starts 0, 5, 10 full; tail from 15 s
    assert [(w.start // RATE, w.end // RATE) for w in ws] == [(0, 10), (5, 15), (10, 20), (15, 23)]
    ws = fixed_windows(n, RATE, 10.0, hop_s=5.0, tail="merge", min_tail_s=9.0)  # the 8 s tail merges
    assert [(w.start // RATE, w.end // RATE) for w in ws] == [(0, 10), (5, 15), (10, 23)]
    with pytest.raises(ValueError):
        fixed_windows(n, RATE, 0.0)
    with pytest.raises(ValueError):
        fixed_windows(n, RATE, 10.0, tail="pad")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------------- silence_split

SENTENCES = [
    "The quick brown fox jumps over the lazy dog near the river bank",
    "Every morning the baker opens his small shop before sunrise",
    "Scientists measured the temperature of the ocean for many years",
    "A long train crossed the bridge while the children were watching",
    "She wrote a letter to her grandmother who lives in another country",
    "The museum will be closed for repairs until the end of the summer",
    "Music played softly in the background during the whole dinner",
]
Recording = tuple[np.ndarray, np.ndarray, int, list[tuple[int, int]]]  # clean, noisy, rate, pauses
PAUSES_S = [0.45, 0.7, 0.3, 0.9, 0.6, 0.5]  # inserted between the sentences, after trimming espeak's own silence


def _espeak(text: str, path: Path) -> tuple[np.ndarray, int]:
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    x, rate = sf.read(path, dtype="float32")
    return x, int(rate)


def _trim(x: np.ndarray, rate: int) -> np.ndarray:
    hop = rate // 100
    energy = frame_energy_db(x, hop, hop)
    loud = np.flatnonzero(energy > -50.0)
    return x[loud[0] * hop : (loud[-1] + 1) * hop]


@pytest.fixture(scope="module")
def espeak_recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """Real synthetic speech: trimmed sentences joined by known pauses, plus -60 dBFS white noise throughout."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (apt-get install espeak-ng): no real speech with known pauses")
    tmp = tmp_path_factory.mktemp("espeak")
    parts: list[np.ndarray] = []
    pauses: list[tuple[int, int]] = []
    rate = 0
    for i, text in enumerate(SENTENCES):
        x, rate = _espeak(text, tmp / f"s{i}.wav")
        parts.append(_trim(x, rate))
        if i < len(PAUSES_S):
            start = sum(len(p) for p in parts)
            parts.append(np.zeros(int(PAUSES_S[i] * rate), dtype=np.float32))
            pauses.append((start, start + len(parts[-1])))
    clean = np.concatenate(parts)
    noise = np.random.default_rng(0).standard_normal(len(clean)).astype(np.float32) * 10 ** (-60 / 20)
    return clean, clean + noise, rate, pauses


def test_silence_split_cuts_real_speech_only_inside_known_pauses(espeak_recording: Recording) -> None:
    clean, noisy, rate, pauses = espeak_recording
    min_s, max_s = 3.0, 9.0
    split = silence_split(noisy, rate, min_s, max_s)
    ws = split.windows
    _cover(ws, len(noisy))
    assert split.hard_cuts == 0 and len(ws) >= 3
    assert -60.0 < split.threshold_dbfs < -40.0  # adapted to the -60 dBFS noise floor, not the -35 cap
    for w in ws:
        assert min_s * rate <= w.end - w.start <= max_s * rate, w
    for w in ws[:-1]:
        cut = w.end
        inside = [p for p in pauses if p[0] + 0.05 * rate <= cut <= p[1] - 0.05 * rate]
        assert inside, f"cut at {cut / rate:.2f} s is not well inside any inserted pause"
        # No word is cut: the clean signal is silent for 50 ms either side of the cut.
        local = clean[cut - rate // 20 : cut + rate // 20]
        assert np.sqrt(np.mean(local**2)) < 1e-4
        # The cut is at the centre of the pause (the noise keeps a few frames' uncertainty at the edges).
        p = inside[0]
        assert abs(cut - (p[0] + p[1]) / 2) < 0.03 * rate


def test_silence_split_prefers_the_longest_pause(espeak_recording: Recording) -> None:
    clean, noisy, rate, pauses = espeak_recording
    # With room for everything up to the 0.9 s pause (the 4th), the first cut must be that one.
    end_of_4th = pauses[3][1]
    split = silence_split(noisy, rate, 1.0, (end_of_4th + 0.5 * rate) / rate)
    first = split.windows[0].end
    assert pauses[3][0] < first < pauses[3][1]


def test_silence_split_hard_cuts_at_max_without_pauses() -> None:
    n = int(25.3 * RATE)
    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(n) / RATE)).astype(np.float32)
    split = silence_split(tone, RATE, 2.0, 10.0)
    assert [(w.start, w.end) for w in split.windows] == [(0, 10 * RATE), (10 * RATE, 20 * RATE), (20 * RATE, n)]
    assert split.hard_cuts == 2
    # A quiet tone (-50 dBFS) is still not silence: the threshold stays 20 dB under the loud frames.
    quiet = silence_split(tone * 10 ** (-40 / 20), RATE, 2.0, 10.0)
    assert quiet.hard_cuts == 2
    # 21 s: a hard cut at 10 s and 20 s would leave a 1 s tail (< min 2 s), so the second cut moves to 19 s.
    split = silence_split(tone[: 21 * RATE], RATE, 2.0, 10.0)
    assert [w.end for w in split.windows] == [10 * RATE, 19 * RATE, 21 * RATE] and split.hard_cuts == 2


def test_silence_split_greedy_rule_on_constructed_pauses() -> None:
    rate = 1000
    rng = np.random.default_rng(0)

    def speech(s: float) -> np.ndarray:
        return (0.3 * rng.standard_normal(int(s * rate))).astype(np.float32)

    def gap(s: float) -> np.ndarray:
        return np.zeros(int(s * rate), dtype=np.float32)

    # Pauses centred at ~3.2 s (0.4 s long), ~6.2 s (0.4 s), ~8.25 s (0.3 s); max 9 s: two longest tie -> later.
    x = np.concatenate([speech(3), gap(0.4), speech(2.6), gap(0.4), speech(1.85), gap(0.3), speech(4)])
    split = silence_split(x, rate, 2.0, 9.0)
    assert 6.1 * rate < split.windows[0].end < 6.3 * rate
    _cover(split.windows, len(x))
    # Short recordings are one window, even below min_s; empty gives none.
    assert silence_split(x[:1500], rate, 2.0, 9.0).windows == [Window(0, 0, 1500)]
    assert silence_split(x[:0], rate, 2.0, 9.0).windows == []
    with pytest.raises(ValueError):
        silence_split(x, rate, 5.0, 2.0)


def test_silence_split_on_real_recordings_stays_in_range() -> None:
    # Four LJ Speech clips back to back, as a long recording (its own pauses only, none inserted).
    wavs = sorted((SAMPLES / "ljspeech/LJSpeech-1.1/wavs").glob("*.wav"))[:4]
    x = np.concatenate([sf.read(p, dtype="float32")[0] for p in wavs])
    rate = 22050
    split = silence_split(x, rate, 3.0, 8.0)
    _cover(split.windows, len(x))
    for w in split.windows:
        assert 3.0 * rate <= w.end - w.start <= 8.0 * rate


# ------------------------------------------------------------------------------------------------- annotated_windows


def test_annotated_windows_clip_validate_and_keep_span_index() -> None:
    n = 10 * RATE
    ws = annotated_windows(RATE, [(0.5, 2.0), (-0.2, 1.0), (9.5, 10.4), (11.0, 12.0), (3.0, 4.25)], n)
    assert ws == [
        Window(0, 8000, 32000),
        Window(1, 0, 16000),
        Window(2, 152000, n),
        Window(4, 48000, 68000),
    ]
    with pytest.raises(ValueError, match="span 0"):
        annotated_windows(RATE, [(2.0, 2.0)], n)
    with pytest.raises(ValueError, match="span 1"):
        annotated_windows(RATE, [(0.0, 1.0), (float("nan"), 2.0)], n)
    assert annotated_windows(RATE, [], n) == []
