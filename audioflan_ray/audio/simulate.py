"""Simulated instruction pairs built from real recordings: degraded/clean pairs, mixtures, scenes, sequences.

Pure numpy/scipy. ``build`` checks the inputs, merges the params and runs one of ``BUILDERS``; every random choice
comes from one generator seeded by a string (the instance key), so the same seed always builds the same audio. A
builder returns float32 mono audio per slot (peak <= ``PEAK``; slots that must keep an exact relation are scaled by
one common gain), text values for templates and a JSON-able record of what it did.

Text values have fixed formats: seconds ``"1.250"``, dB ``"7.3"``, Hz ``"8000"``, fractions ``"0.25"``. Drawn
times are put on the millisecond grid before use, so the text states exactly what was built; bounds that follow
from a recording's length are recorded to 6 decimals (sample-exact at any common rate). Levels that the text and
record report (SNR, TIR, EBR, DRR) are measured on the built signals, not the values asked for.

Every built slot is checked before it is returned: none may peak below ``MIN_PEAK_DBFS`` or be mostly silent (more
than ``MAX_SILENT_FRACTION`` of its frames ``ACTIVE_RANGE_DB`` below the mean power of the loudest slot). A recording
that cannot make an honest pair (too little sound, nothing above a bandwidth cutoff to restore) raises ``NotFeedable``,
which the build counts as not fed rather than as an error.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audioflan_ray.audio.segment import frame_energy_db
from audioflan_ray.errors import NotFeedable

PEAK = 0.99
_PEAK_SCALE = PEAK * (1 - 1e-6)  # a hair under PEAK, so float32 rounding of a scaled peak cannot cross it
SILENT_PEAK = 1e-4  # -80 dBFS: a partner quieter than this gives nothing to build on
MIN_PEAK_DBFS = -60.0  # no recording or built slot peaking below this: it would be silence
MAX_SILENT_FRACTION = 0.5
MIN_ABOVE_CUTOFF_DB = -30.0  # band_limit: energy above the cutoff, relative to all of it, that makes a task of it
MIN_TURN_S = 0.5  # shortest speaker turn or speech segment a recording is cut into
ACTIVE_RANGE_DB = 40.0
FRAME_S, HOP_S = 0.025, 0.010
GAP_NOISE_DB = -45.0  # noise between joined recordings, relative to their mean power
EDGE_S = 0.5  # cut_gap keeps the gap this far from both ends
MIN_PART_S = 0.25  # shortest prompt or continuation
EVENT_MAX_FRACTION = 0.6  # of the scene
REVERB_LEVEL = 2.0  # reverberant energy per second of RT60 relative to the direct path (DRR 0 dB at 0.5 s)
DIRECT_S = 0.0025  # the direct-path window of the RIR; its tail starts after it
RIR_LENGTH_RT60 = 1.5  # the tail runs to 90 dB down
PASSBAND_RIPPLE_DB, STOPBAND_DB = 0.1, 50.0  # per pass; sosfiltfilt doubles both
TRANSITION_HZ = 250.0  # band_limit: the stopband starts this far above the cutoff
PINK_FLOOR_HZ = 100.0


@dataclass(frozen=True)
class Built:
    audio: dict[str, tuple[np.ndarray, int]]
    """Slot name -> (float32 mono samples, sample rate)."""
    values: dict[str, str]
    """Text values templates may use as ``{placeholders}``."""
    record: dict[str, Any]
    """JSON-able parameters (stored in the sample's ``other.built``); the same keys on every call of one builder."""


@dataclass(frozen=True)
class Inputs:
    """What a builder function gets: float64 copies of the audio, merged params and the seeded generator."""

    target: np.ndarray
    rate: int
    partners: dict[str, np.ndarray]
    labels: dict[str, dict[str, Any]]
    params: dict[str, Any]
    rng: np.random.Generator


@dataclass(frozen=True)
class Builder:
    name: str
    fn: Callable[..., Built]
    outputs: tuple[str, ...]
    values: tuple[str, ...]
    partners: tuple[str, ...]
    """Partner roles it uses (optional ones included)."""
    optional_partners: tuple[str, ...] = ()
    """Roles it can do without (it generates noise instead)."""
    params: dict[str, Any] = field(default_factory=dict)
    """Defaults; a range is ``[lo, hi]`` (or one number), a choice a list of options."""


# --------------------------------------------------------------------------------------------------------- helpers


def seed_rng(seed: str) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))


def _sec(x: float) -> str:
    return f"{round(x, 3) + 0.0:.3f}"  # + 0.0 turns a rounded -0.0 into 0.0


def _db(x: float) -> str:
    return f"{round(x, 1) + 0.0:.1f}"


def _energy(x: np.ndarray) -> float:
    return float(np.sum(np.square(x, dtype=np.float64)))


def _ratio_db(signal: np.ndarray, other: np.ndarray) -> float:
    return 10.0 * math.log10(_energy(signal) / _energy(other))


def _limit(*signals: np.ndarray) -> tuple[list[np.ndarray], float]:
    """Scale all signals by one gain (<= 1) so the loudest peak is within PEAK; float32 out."""
    peak = max(float(np.max(np.abs(s))) if len(s) else 0.0 for s in signals)
    gain = _PEAK_SCALE / peak if peak > _PEAK_SCALE else 1.0
    return [np.asarray(s * gain, dtype=np.float32) for s in signals], gain


def _range(spec: Any, name: str) -> tuple[float, float]:
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        spec = [spec, spec]
    if (
        isinstance(spec, list | tuple)
        and len(spec) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in spec)
        and spec[0] <= spec[1]
    ):
        return float(spec[0]), float(spec[1])
    raise ValueError(f"param {name!r}: want a number or [lo, hi] with lo <= hi, got {spec!r}")


def _uniform(inp: Inputs, name: str) -> float:
    lo, hi = _range(inp.params[name], name)
    return lo if lo == hi else float(inp.rng.uniform(lo, hi))


def _ms(inp: Inputs, lo_s: float, hi_s: float, what: str) -> float:
    """Seconds on the millisecond grid, uniform within [lo_s, hi_s]."""
    lo, hi = math.ceil(lo_s * 1000 - 1e-9), math.floor(hi_s * 1000 + 1e-9)
    if lo > hi:
        raise ValueError(f"{what}: no millisecond lies in [{lo_s}, {hi_s}] s")
    return int(inp.rng.integers(lo, hi + 1)) / 1000


def _choice(inp: Inputs, name: str) -> float:
    spec = inp.params[name]
    options = list(spec) if isinstance(spec, list | tuple) else [spec]
    if not options or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in options):
        raise ValueError(f"param {name!r}: want a number or a non-empty list of numbers, got {spec!r}")
    return float(options[int(inp.rng.integers(len(options)))] if len(options) > 1 else options[0])


def pink_noise(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """``n`` samples of unit-RMS 1/f noise (white noise shaped in the frequency domain), flat below
    ``PINK_FLOOR_HZ``: a 1/f slope down to DC would put most of the power in slow, uneven rumble."""
    if n == 0:
        return np.zeros(0)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / rate), PINK_FLOOR_HZ)
    x = np.fft.irfft(spectrum / np.sqrt(f), n)
    return np.asarray(x / math.sqrt(max(float(np.mean(x * x)), 1e-30)))


def _looped(inp: Inputs, role: str, n: int) -> np.ndarray:
    x = inp.partners[role]
    if float(np.max(np.abs(x))) < SILENT_PEAK:
        raise ValueError(f"partner {role!r} is silent")
    return np.resize(x, n)  # repeats a short partner, crops a long one


def noise_bed(partner: np.ndarray, rate: int, offset: int, n: int) -> np.ndarray:
    """A partner clip as a noise bed: its active part (a clip's silent head would leave a short target without
    noise, and its silences would make a background uneven), looped from sample ``offset`` of it to ``n``."""
    a, b = active_span(partner, rate)
    return _loop_from(partner[a:b], offset, n)


def _loop_from(x: np.ndarray, offset: int, n: int) -> np.ndarray:
    return np.resize(np.roll(x, -offset), n)


def _bed(inp: Inputs, role: str, n: int) -> tuple[np.ndarray, int]:
    active = _active(inp, role)
    offset = int(inp.rng.integers(len(active)))
    return _loop_from(active, offset, n), offset


def active_span(samples: np.ndarray, rate: int, range_db: float = ACTIVE_RANGE_DB) -> tuple[int, int]:
    """Sample range ``[start, end)`` from the first to the last 25 ms frame (10 ms hop) within ``range_db`` of the
    loudest frame: the recording without its leading and trailing silence."""
    frame, hop = max(1, round(FRAME_S * rate)), max(1, round(HOP_S * rate))
    energy = frame_energy_db(np.asarray(samples, dtype=np.float64), frame, hop)
    idx = np.flatnonzero(energy >= energy.max() - range_db)
    return int(idx[0]) * hop, min(len(samples), int(idx[-1]) * hop + frame)


def _frames_db(x: np.ndarray, rate: int) -> np.ndarray:
    return frame_energy_db(np.asarray(x, dtype=np.float64), max(1, round(FRAME_S * rate)), max(1, round(HOP_S * rate)))


def _power_db(x: np.ndarray) -> float:
    return 10 * math.log10(max(float(np.mean(np.square(x, dtype=np.float64))) if len(x) else 0.0, 1e-12))


def silent_fraction(samples: np.ndarray, rate: int, reference_db: float | None = None) -> float:
    """Fraction of 25 ms frames (10 ms hop) more than ``ACTIVE_RANGE_DB`` below ``reference_db`` (dB of mean square;
    default: the mean power of ``samples``). Relative to the mean, not the loudest frame: a noise bed 30 dB under
    speech is sound, a pause 45 dB under it is not."""
    ref = _power_db(samples) if reference_db is None else reference_db
    return float(np.mean(_frames_db(samples, rate) < ref - ACTIVE_RANGE_DB))


def pause_pieces(x: np.ndarray, rate: int, count: int, min_s: float = MIN_TURN_S) -> list[tuple[int, int]]:
    """``x`` cut into at most ``count`` pieces at its quietest frames (the pauses of speech), every piece at least
    ``min_s`` long, each then trimmed to its active span; returns their sample bounds in ``x``, in order."""
    frame, hop = max(1, round(FRAME_S * rate)), max(1, round(HOP_S * rate))
    energy = _frames_db(x, rate)
    least = round(min_s * rate)
    cuts: list[int] = []
    for i in np.argsort(energy, kind="stable"):
        if len(cuts) >= count - 1:
            break
        c = int(i) * hop + frame // 2
        if least <= c <= len(x) - least and all(abs(c - d) >= least for d in cuts):
            cuts.append(c)
    bounds = []
    for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(x)], strict=True):
        s, e = active_span(x[a:b], rate)
        bounds.append((a + s, a + e))
    return bounds


def _active(inp: Inputs, role: str) -> np.ndarray:
    x = inp.target if role == "self" else inp.partners[role]
    if float(np.max(np.abs(x))) < SILENT_PEAK:
        raise ValueError(f"{role!r} is silent")
    start, end = active_span(x, inp.rate)
    return x[start:end]


def _label(inp: Inputs, role: str, key: str) -> str:
    value = inp.labels.get(role, {}).get(key)
    if value is None or str(value) == "":
        raise ValueError(f"labels[{role!r}] has no {key!r}")
    return str(value)


def _join(
    inp: Inputs, parts: list[np.ndarray], gap_param: str, edge_param: str | None = None
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Parts back to back, separated by drawn gaps of low pink noise (and led in and out by it when ``edge_param``
    names a duration range); returns the signal and each part's bounds."""
    level = math.sqrt(np.mean(np.square(np.concatenate(parts))) * 10 ** (GAP_NOISE_DB / 10))

    def noise(param: str) -> np.ndarray:
        n = round(_ms(inp, *_range(inp.params[param], param), param) * inp.rate)
        return pink_noise(inp.rng, n, inp.rate) * level

    pieces: list[np.ndarray] = [noise(edge_param)] if edge_param else []
    bounds: list[tuple[int, int]] = []
    pos = len(pieces[0]) if pieces else 0
    for i, part in enumerate(parts):
        if i:
            gap = noise(gap_param)
            pieces.append(gap)
            pos += len(gap)
        pieces.append(part)
        bounds.append((pos, pos + len(part)))
        pos += len(part)
    if edge_param:
        pieces.append(noise(edge_param))
    return np.concatenate(pieces), bounds


def _bounds_s(bounds: list[tuple[int, int]], rate: int) -> list[list[float]]:
    return [[round(s / rate, 6), round(e / rate, 6)] for s, e in bounds]


# -------------------------------------------------------------------------------------------------------- builders


def _add_noise(inp: Inputs) -> Built:
    x = inp.target
    snr = _uniform(inp, "snr_db")
    offset: int | None = None
    if "noise" in inp.partners:
        (noise, offset), source = _bed(inp, "noise", len(x)), "partner"
    else:
        noise, source = pink_noise(inp.rng, len(x), inp.rate), "generated"
    noise = noise * math.sqrt(_energy(x) / (_energy(noise) * 10 ** (snr / 10)))
    (clean, noisy), gain = _limit(x, x + noise)
    measured = _ratio_db(clean, noisy.astype(np.float64) - clean)
    return Built(
        {"noisy": (noisy, inp.rate), "clean": (clean, inp.rate)},
        {"snr_db": _db(measured)},
        {"snr_db": round(measured, 2), "noise": source, "bed_offset": offset, "gain": gain},
    )


def room_impulse_response(rt60_s: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Synthetic RIR: a unit direct path at t = 0, then Gaussian noise from ``DIRECT_S`` on whose envelope falls
    60 dB per ``rt60_s`` and whose energy is ``REVERB_LEVEL * rt60_s`` (longer rooms carry more reverberation, as
    at a fixed distance in a real room). ``RIR_LENGTH_RT60 * rt60_s`` long."""
    if not rt60_s > 0:
        raise ValueError(f"rt60_s must be > 0, got {rt60_s}")
    direct = max(1, round(DIRECT_S * rate))
    n = max(math.ceil(RIR_LENGTH_RT60 * rt60_s * rate), direct + 1)
    rir = rng.standard_normal(n) * np.exp(-3.0 * math.log(10.0) * np.arange(n) / (rt60_s * rate))
    rir[:direct] = 0.0
    rir *= math.sqrt(REVERB_LEVEL * rt60_s / _energy(rir))
    rir[0] = 1.0
    return np.asarray(rir)


def _reverberate(inp: Inputs) -> Built:
    x = inp.target
    rt60 = round(_uniform(inp, "rt60_s"), 3)
    rir = room_impulse_response(rt60, inp.rate, inp.rng)
    direct = max(1, round(DIRECT_S * inp.rate))
    drr = _ratio_db(rir[:direct], rir[direct:])
    from scipy.signal import fftconvolve  # scipy.signal loads in ~1.4 s: only builds that filter pay

    (clean, reverberant), _ = _limit(x, fftconvolve(x, rir)[: len(x)])
    return Built(
        {"reverberant": (reverberant, inp.rate), "clean": (clean, inp.rate)},
        {"rt60_s": _sec(rt60)},
        {"rt60_s": rt60, "rir": "synthetic", "drr_db": round(drr, 2)},
    )


def _clip(inp: Inputs) -> Built:
    x = inp.target
    fraction = round(_uniform(inp, "clip_level"), 2)
    if not 0 < fraction < 1:
        raise ValueError(f"clip_level must lie in (0, 1), got {fraction}")
    level = fraction * float(np.max(np.abs(x)))
    (clean, clipped), _ = _limit(x, np.clip(x, -level, level))
    ratio = float(np.count_nonzero(np.abs(x) > level)) / len(x)
    return Built(
        {"clipped": (clipped, inp.rate), "clean": (clean, inp.rate)},
        {"clip_level": f"{fraction:.2f}"},
        {"clip_level": fraction, "clipped_ratio": round(ratio, 6)},
    )


def band_energy_db(x: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies, dB of the energy at and above each frequency relative to all of it), from one FFT of ``x``."""
    power = np.abs(np.fft.rfft(x)) ** 2
    above = np.cumsum(power[::-1])[::-1]
    return np.fft.rfftfreq(len(x), 1 / rate), 10 * np.log10(np.maximum(above / max(above[0], 1e-30), 1e-30))


def _band_limit(inp: Inputs) -> Built:
    x = inp.target
    lo, hi = _range(inp.params["cutoff_hz"], "cutoff_hz")
    # A cutoff above which the source holds (next to) nothing makes an identity task (an 8 kHz corpus upsampled):
    # the cutoff is drawn below the highest frequency that still has MIN_ABOVE_CUTOFF_DB of the energy above it.
    freqs, above_db = band_energy_db(x, inp.rate)
    top = float(freqs[np.flatnonzero(above_db >= MIN_ABOVE_CUTOFF_DB)[-1]])
    if top < lo:
        raise NotFeedable(
            "no energy above the cutoff",
            f"band_limit: {MIN_ABOVE_CUTOFF_DB:g} dB of the energy lies above {top:.0f} Hz only, below {lo:g} Hz",
        )
    hi = min(hi, top)
    cutoff = int(math.floor(lo if lo == hi else float(inp.rng.uniform(lo, hi))))
    stop = cutoff + TRANSITION_HZ
    if cutoff <= 0 or stop >= inp.rate / 2:
        raise ValueError(f"cutoff_hz {cutoff}: needs 0 < cutoff and cutoff + {TRANSITION_HZ:g} Hz < {inp.rate / 2:g}")
    # Elliptic rather than Butterworth: a Butterworth of practical order is only ~15 dB down 500 Hz above 4 kHz.
    from scipy.signal import ellip, ellipord, sosfiltfilt

    order, wn = ellipord(cutoff, stop, PASSBAND_RIPPLE_DB, STOPBAND_DB, fs=inp.rate)
    sos = ellip(order, PASSBAND_RIPPLE_DB, STOPBAND_DB, wn, output="sos", fs=inp.rate)
    pad = 3 * (2 * len(sos) + 1)
    if len(x) <= pad:
        raise ValueError(f"band_limit: target has {len(x)} samples, the filter needs more than {pad}")
    (clean, narrow), _ = _limit(x, sosfiltfilt(sos, x))
    removed = _ratio_db(clean.astype(np.float64) - narrow, clean)
    return Built(
        {"narrowband": (narrow, inp.rate), "clean": (clean, inp.rate)},
        {"cutoff_hz": str(cutoff)},
        {"cutoff_hz": cutoff, "removed_db": round(removed, 2)},  # what the task asks to restore, measured
    )


def _downsample(inp: Inputs) -> Built:
    x = inp.target
    low_rate = int(_choice(inp, "low_rate"))
    if not 0 < low_rate < inp.rate:
        raise ValueError(f"low_rate {low_rate} must lie below the target rate {inp.rate}")
    g = math.gcd(low_rate, inp.rate)
    from scipy.signal import resample_poly

    (clean, low), _ = _limit(x, resample_poly(x, low_rate // g, inp.rate // g))
    return Built(
        {"low": (low, low_rate), "clean": (clean, inp.rate)},
        {"low_rate": str(low_rate), "target_rate": str(inp.rate)},
        {"low_rate": low_rate, "target_rate": inp.rate},
    )


def _cut_gap(inp: Inputs) -> Built:
    x, rate = inp.target, inp.rate
    lo, hi = _range(inp.params["gap_s"], "gap_s")
    duration = len(x) / rate
    # Checked against the longest gap, so a recording is usable for every seed or for none.
    if duration < 2 * EDGE_S + hi:
        raise NotFeedable(
            "too short",
            f"cut_gap: target is {duration:.3f} s, needs {2 * EDGE_S + hi:.3f} s (a gap up to {hi:g} s, "
            f"{EDGE_S:g} s from both ends)",
        )
    gap = _ms(inp, lo, hi, "gap_s")
    # A gap in a silent stretch would be nothing to restore: keep it inside the sounding part where it fits.
    a, b = active_span(x, rate)
    first, last = max(EDGE_S, a / rate), min(duration - EDGE_S, b / rate) - gap
    if last < first:
        first, last = EDGE_S, duration - EDGE_S - gap
    start_s = _ms(inp, first, last, "gap start")
    end_s = round(start_s + gap, 3)
    (clean,), _ = _limit(x)
    gapped = clean.copy()
    gapped[round(start_s * rate) : round(end_s * rate)] = 0.0
    return Built(
        {"gapped": (gapped, rate), "clean": (clean, rate)},
        {"gap_start_s": _sec(start_s), "gap_end_s": _sec(end_s)},
        {"gap_start_s": start_s, "gap_end_s": end_s},
    )


def _mix(inp: Inputs) -> Built:
    x = inp.target
    interferer = _looped(inp, "interferer", len(x))
    tir = _uniform(inp, "snr_db")
    scale = math.sqrt(_energy(x) / (_energy(interferer) * 10 ** (tir / 10)))
    (target, mixture), gain = _limit(x, x + scale * interferer)
    measured = _ratio_db(target, mixture.astype(np.float64) - target)
    return Built(
        {"mixture": (mixture, inp.rate), "target": (target, inp.rate)},
        {},
        # gain: mixture = target + gain * interferer (the partner looped or cut to the target's length)
        {"tir_db": round(measured, 2), "gain": gain * scale},
    )


def _place_event(inp: Inputs) -> Built:
    rate = inp.rate
    scene_n = round(_uniform(inp, "scene_s") * rate)
    event = _active(inp, "self")[: int(EVENT_MAX_FRACTION * scene_n)]
    if len(event) == 0:
        raise ValueError(f"place_event: a {scene_n / rate:g} s scene leaves no room for the event")
    onset_s = _ms(inp, 0.0, (scene_n - len(event)) / rate, "onset")
    onset = round(onset_s * rate)
    ebr = _uniform(inp, "ebr_db")
    offset: int | None = None
    if "background" in inp.partners:
        # The answer names one event: a background holding a labelled one (another event clip) would make it wrong.
        held = [k for k in ("label", "labels", "events") if inp.labels.get("background", {}).get(k) not in (None, "")]
        if held:
            raise ValueError(f"place_event: the background partner holds a labelled event ({', '.join(held)})")
        (background, offset), source = _bed(inp, "background", scene_n), "partner"
    else:
        background, source = pink_noise(inp.rng, scene_n, rate), "generated"
    # The ratio of the event's mean power to the background's over the whole scene: the event stands out of the
    # background wherever it is, not just against what happens to lie under it.
    event_power, bed_power = _energy(event) / len(event), _energy(background) / scene_n
    background = background * math.sqrt(event_power / (bed_power * 10 ** (ebr / 10)))
    measured = 10 * math.log10(event_power / (_energy(background) / scene_n))
    scene = background.copy()
    scene[onset : onset + len(event)] += event
    (scene,), _ = _limit(scene)
    offset_s = (onset + len(event)) / rate
    return Built(
        {"scene": (scene, rate)},
        {"onset_s": _sec(onset_s), "offset_s": _sec(offset_s)},
        {
            "onset_s": onset_s,
            "offset_s": round(offset_s, 6),
            "ebr_db": round(measured, 2),
            "background": source,
            "bed_offset": offset,
        },
    )


def _sequence(inp: Inputs) -> Built:
    roles = ["self", "second", "third"]
    labels = {r: _label(inp, r, "label") for r in roles}
    parts = {r: _active(inp, r) for r in roles}
    order = [roles[i] for i in inp.rng.permutation(len(roles))]
    joined, bounds = _join(inp, [parts[r] for r in order], "gap_s")
    (joined,), _ = _limit(joined)
    return Built(
        {"sequence": (joined, inp.rate)},
        {"events": ", ".join(labels[r] for r in order)},
        {"order": order, "bounds": _bounds_s(bounds, inp.rate)},
    )


SPEAKER_ROLES = ("other", "other2", "other3")
SPEAKER_NAMES = "ABCD"


def _int_range(inp: Inputs, name: str) -> tuple[int, int]:
    lo, hi = _range(inp.params[name], name)
    if lo != int(lo) or hi != int(hi) or lo < 1:
        raise ValueError(f"param {name!r}: want whole numbers >= 1, got {inp.params[name]!r}")
    return int(lo), int(hi)


def _concat_speakers(inp: Inputs) -> Built:
    """A conversation of 1-4 speakers (as many as the partners allow): each speaker's active speech, cut in two turns
    at a pause one time in two where it is long enough, every turn in a random order, between drawn gaps and edges."""
    lo, hi = _int_range(inp, "speakers")
    if hi > 1 + len(SPEAKER_ROLES):
        raise ValueError(f"param 'speakers': at most {1 + len(SPEAKER_ROLES)}, got {hi}")
    available = [r for r in SPEAKER_ROLES if r in inp.partners]
    count = min(int(inp.rng.integers(lo, hi + 1)), 1 + len(available))
    roles = ["self", *[available[i] for i in sorted(inp.rng.permutation(len(available))[: count - 1])]]
    speakers = {r: _label(inp, r, "speaker") for r in roles}
    if len(set(speakers.values())) != len(roles):
        raise ValueError(f"concat_speakers: partners must be other speakers, got {speakers}")
    turns: list[tuple[str, int, int]] = []  # role, sample span in its recording
    for r in roles:
        _active(inp, r)  # refuses a silent partner
        x = inp.target if r == "self" else inp.partners[r]
        a, b = active_span(x, inp.rate)
        pieces = 2 if inp.rng.random() < 0.5 else 1
        turns += [(r, a + s, a + e) for s, e in pause_pieces(x[a:b], inp.rate, pieces)]
    order = [turns[i] for i in inp.rng.permutation(len(turns))]
    parts = [(inp.target if r == "self" else inp.partners[r])[s:e] for r, s, e in order]
    joined, bounds = _join(inp, parts, "gap_s", "edge_s")
    (joined,), _ = _limit(joined)
    # Speakers are named by order of appearance (A, B, ...), as diarization references do; corpus ids are recorded.
    names: dict[str, str] = {}
    for r, _, _ in order:
        if r not in names:
            names[r] = SPEAKER_NAMES[len(names)]
    timeline = "; ".join(
        f"{_sec(s / inp.rate)}-{_sec(e / inp.rate)}: speaker {names[r]}"
        for (r, _, _), (s, e) in zip(order, bounds, strict=True)
    )
    return Built(
        {"conversation": (joined, inp.rate)},
        {"timeline": timeline},
        {
            "speakers": len(roles),
            "order": [r for r, _, _ in order],
            "speaker_ids": [str(speakers[r]) for r, _, _ in order],
            "bounds": _bounds_s(bounds, inp.rate),
            "sources": _bounds_s([(s, e) for _, s, e in order], inp.rate),  # each turn's span in its recording
        },
    )


def _pad_speech(inp: Inputs) -> Built:
    """Speech cut at its pauses into 1-4 segments (as many as its length allows), laid out between drawn gaps and
    edges of pink noise at a drawn SNR (measured over the speech spans)."""
    rate = inp.rate
    first, last = active_span(inp.target, rate)
    lo, hi = _int_range(inp, "segments")
    spans = [
        (first + a, first + b) for a, b in pause_pieces(inp.target[first:last], rate, int(inp.rng.integers(lo, hi + 1)))
    ]
    parts = [inp.target[a:b] for a, b in spans]
    gaps = [round(_ms(inp, *_range(inp.params["gap_s"], "gap_s"), "gap_s") * rate) for _ in parts[1:]]
    lead, tail = (round(_ms(inp, *_range(inp.params["pad_s"], "pad_s"), "pad_s") * rate) for _ in range(2))
    bounds, pos = [], lead
    for i, part in enumerate(parts):
        pos += gaps[i - 1] if i else 0
        bounds.append((pos, pos + len(part)))
        pos += len(part)
    noise = pink_noise(inp.rng, pos + tail, rate)
    inside = np.zeros(len(noise), dtype=bool)
    for a, b in bounds:
        inside[a:b] = True
    speech_energy = sum(_energy(p) for p in parts)
    noise *= math.sqrt(speech_energy / (_energy(noise[inside]) * 10 ** (_uniform(inp, "snr_db") / 10)))
    measured = 10 * math.log10(speech_energy / _energy(noise[inside]))
    padded = noise.copy()
    for (a, b), part in zip(bounds, parts, strict=True):
        padded[a:b] += part
    (padded,), _ = _limit(padded)
    return Built(
        {"padded": (padded, rate)},
        {"segments": ", ".join(f"{_sec(a / rate)}-{_sec(b / rate)}" for a, b in bounds)},
        {
            "bounds": _bounds_s(bounds, rate),
            "sources": _bounds_s(spans, rate),  # each segment's span in the recording
            "speech_s": round(sum(len(p) for p in parts) / rate, 6),
            "snr_db": round(measured, 2),
        },
    )


CONTINUATION_TRIES = 8


def _split_continuation(inp: Inputs) -> Built:
    """A prompt and its continuation from the active part of the recording: the prompt starts at a drawn point of
    the first half of it (never in a leading silence) and takes a drawn share of the rest; a draw whose prompt or
    continuation is mostly silent (a long pause) is drawn again, up to ``CONTINUATION_TRIES`` times."""
    x, rate = inp.target, inp.rate
    lo, hi = _range(inp.params["prompt_ratio"], "prompt_ratio")
    if not 0 < lo <= hi < 1:
        raise ValueError(f"prompt_ratio must lie in (0, 1), got {inp.params['prompt_ratio']!r}")
    a, b = active_span(x, rate)
    active_s = (b - a) / rate
    need = MIN_PART_S / min(lo, 1 - hi)  # the shortest rest that leaves both parts MIN_PART_S at any ratio
    if active_s < need:
        raise NotFeedable(
            "too short",
            f"split_continuation: {active_s:.3f} s of sound, needs {need:.3f} s for a prompt ratio of [{lo:g}, {hi:g}] "
            f"with both parts at least {MIN_PART_S:g} s",
        )
    (whole,), _ = _limit(x)
    reference = _power_db(whole[a:b])
    for _ in range(CONTINUATION_TRIES):
        start_s = round(a / rate + _ms(inp, 0.0, min(active_s / 2, active_s - need), "prompt start"), 3)
        rest = b / rate - start_s
        prompt_s = _ms(inp, lo * rest, hi * rest, "prompt_s")
        i, j = round(start_s * rate), round((start_s + prompt_s) * rate)
        prompt, continuation = whole[i:j], whole[j:b]
        if max(silent_fraction(p, rate, reference) for p in (prompt, continuation)) <= MAX_SILENT_FRACTION:
            break
    else:
        raise NotFeedable("mostly silent built audio", f"split_continuation: {CONTINUATION_TRIES} draws all silent")
    return Built(
        {"prompt": (prompt, rate), "continuation": (continuation, rate)},
        {"prompt_s": _sec(prompt_s)},
        {"start_s": start_s, "prompt_s": prompt_s, "end_s": round(b / rate, 6)},
    )


BUILDERS: dict[str, Builder] = {
    b.name: b
    for b in (
        Builder("add_noise", _add_noise, ("noisy", "clean"), ("snr_db",), ("noise",), ("noise",), {"snr_db": [0, 20]}),
        Builder("reverberate", _reverberate, ("reverberant", "clean"), ("rt60_s",), (), (), {"rt60_s": [0.3, 1.0]}),
        Builder("clip", _clip, ("clipped", "clean"), ("clip_level",), (), (), {"clip_level": [0.1, 0.5]}),
        Builder(
            "band_limit", _band_limit, ("narrowband", "clean"), ("cutoff_hz",), (), (), {"cutoff_hz": [2000, 4000]}
        ),
        Builder("downsample", _downsample, ("low", "clean"), ("low_rate", "target_rate"), (), (), {"low_rate": [8000]}),
        Builder("cut_gap", _cut_gap, ("gapped", "clean"), ("gap_start_s", "gap_end_s"), (), (), {"gap_s": [0.2, 0.5]}),
        Builder("mix", _mix, ("mixture", "target"), (), ("interferer",), (), {"snr_db": [-5, 5]}),
        Builder(
            "place_event",
            _place_event,
            ("scene",),
            ("onset_s", "offset_s"),
            ("background",),
            ("background",),
            {"scene_s": 10.0, "ebr_db": [5, 15]},
        ),
        Builder("sequence", _sequence, ("sequence",), ("events",), ("second", "third"), (), {"gap_s": [0.2, 0.5]}),
        Builder(
            "concat_speakers",
            _concat_speakers,
            ("conversation",),
            ("timeline",),
            SPEAKER_ROLES,
            SPEAKER_ROLES,
            {"speakers": [1, 4], "gap_s": [0.3, 1.0], "edge_s": [0.2, 1.5]},
        ),
        Builder(
            "pad_speech",
            _pad_speech,
            ("padded",),
            ("segments",),
            (),
            (),
            {"segments": [2, 4], "gap_s": [0.5, 1.5], "pad_s": [0.5, 2.0], "snr_db": [20, 30]},
        ),
        Builder(
            "split_continuation",
            _split_continuation,
            ("prompt", "continuation"),
            ("prompt_s",),
            (),
            (),
            {"prompt_ratio": [0.3, 0.6]},
        ),
    )
}


def _mono(samples: np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError(f"{what}: want non-empty mono samples, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what}: samples are not all finite")
    return x


def build(
    name: str,
    target: np.ndarray,
    rate: int,
    partners: dict[str, np.ndarray],
    labels: dict[str, dict[str, Any]],
    params: dict[str, Any] | None,
    seed: str,
) -> Built:
    """Build one simulated pair with builder ``name`` from ``target`` (mono at ``rate``) and its partners (mono at
    the same rate, by role; roles the builder does not use are ignored). ``params`` override the builder's defaults.
    Raises ``ValueError`` when the inputs are wrong (unknown builder or param, missing partner or label, a silent
    partner) and ``NotFeedable`` when the recording cannot make an honest pair (silent, too little sound, nothing
    above a cutoff) or a built slot would be silent or mostly silent."""
    builder = BUILDERS.get(name)
    if builder is None:
        raise ValueError(f"unknown builder {name!r} (known: {', '.join(BUILDERS)})")
    if rate <= 0:
        raise ValueError(f"rate must be > 0, got {rate}")
    x = _mono(target, "target")
    if float(np.max(np.abs(x))) < 10 ** (MIN_PEAK_DBFS / 20):
        raise NotFeedable("silent recording", f"{name}: target peaks below {MIN_PEAK_DBFS:g} dBFS")
    missing = [r for r in builder.partners if r not in partners and r not in builder.optional_partners]
    if missing:
        raise ValueError(f"{name}: missing partners {missing}")
    unknown = sorted(set(params or {}) - set(builder.params))
    if unknown:
        raise ValueError(f"{name}: unknown params {unknown} (known: {sorted(builder.params)})")
    inputs = Inputs(
        target=x,
        rate=int(rate),
        # A template may link partners for its own slots (a reference clip); the builder sees only its roles.
        partners={r: _mono(p, f"partner {r!r}") for r, p in partners.items() if r in builder.partners},
        labels=labels,
        params={**builder.params, **(params or {})},
        rng=seed_rng(seed),
    )
    return _checked(name, builder.fn(inputs))


def _checked(name: str, built: Built) -> Built:
    """No built slot peaks below MIN_PEAK_DBFS or is mostly silent against the mean power of the loudest slot."""
    reference = max(_power_db(x) for x, _ in built.audio.values())
    for slot, (x, r) in built.audio.items():
        peak = float(np.max(np.abs(x))) if len(x) else 0.0
        if peak < 10 ** (MIN_PEAK_DBFS / 20):
            raise NotFeedable("silent built audio", f"{name}: {slot} peaks below {MIN_PEAK_DBFS:g} dBFS")
        fraction = silent_fraction(x, r, reference)
        if fraction > MAX_SILENT_FRACTION:
            raise NotFeedable(
                "mostly silent built audio",
                f"{name}: {fraction:.0%} of {slot} lies {ACTIVE_RANGE_DB:g} dB below the mean power",
            )
    return built
