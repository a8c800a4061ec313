"""Three normalized corpora (speech, music, audio) for the generic ``manifest`` recipe, so that a test build has
instances for the Audio-FLAN tasks that no corpus recipe can feed (intent, translation, dialect, phonemes, spoof,
vocoder, device, chords, beats, technique, singing, scene...).

``make_normalized_corpora(dest, shared)`` writes ``dest/{speech,music,audio}/manifest.jsonl`` with the audio under
``audio/`` beside it (16 kHz mono 16-bit WAV) and returns ``{name: (root, domain)}``. The same inputs always give
the same bytes; a stamp (``dest/normalized_corpora.json``) lets a second call with the same inputs return at once.

Every label is honest: either read from the real corpus metadata (through the corpus's own recipe, so the words are
the ones a recipe build uses) or true by construction, because this module generated the audio from it:

- real audio: the bundled ``samples/`` (LibriSpeech, LJ Speech, VCTK, Common Voice, CREMA-D, ESC-50, NSynth) and,
  when ``shared`` is given, ``<shared>/corpora`` (RAVDESS, GTZAN, Clotho, the 5-clip ESC-50). All real recordings
  are ``spoof: bonafide``.
- speech generated with espeak-ng: the text, language, voice (= speaker) and its dialect are what espeak-ng was
  given; ``phonemes`` is espeak-ng's own IPA for that text and voice (a G2P transcription: exactly the phoneme string
  the synthesizer rendered, not a narrow transcription of acoustics); ``spoof: spoof`` with the vocoder named.
- copy-synthesis spoofs: real utterances re-synthesized from their STFT magnitude with Griffin-Lim.
- music synthesized with numpy: key, scale, chords, progression, tempo, beats, per-beat pitches and instruments,
  technique (staccato / legato / vibrato) and notes are the synthesis parameters; the ``instrument`` is the synth
  preset, and so is the ``artist``: no person performs here, the generator preset stands in for the performer.
- espeak-ng "singing": each word spoken with a flat pitch (SSML ``range="0%"``), then resampled so that its measured
  f0 is the note's frequency; ``notes`` are those targets (the unit test re-measures them). ``instrument: voice``
  with ``technique`` straight, or vibrato (a 5.5 Hz +-40 cent pitch modulation applied to the take).
- ``device`` is only on espeak-ng speech ("software synthesizer (no microphone)"), so device recognition has one
  class; ``vocoder`` only on spoofs.

Most recordings are in ``train`` and a smaller, self-contained set in ``test``, so that the pair tasks find partners
(same speaker, same text, same key...) within one split. Recording ids start with the corpus name (``speech-``...),
because the planner treats every ``manifest`` source as one dataset.

- Music ``emotion`` is the intended emotion of stimuli designed with the classic cues (mode, tempo, register,
  articulation), as acted-speech corpora label intended emotions; ``speaking_style: conversational`` marks scripted
  conversational turns (fillers in the text) spoken by espeak-ng.

Labels this module does NOT give, because nothing here makes them true: music emotion as rated by listeners,
``speaking_style`` spontaneous (no real spontaneous corpus with transcripts), ``device``
for real recordings (no corpus documents its microphone), ``genre`` and ``scene`` without ``shared`` (GTZAN and
Clotho are not bundled), and ``emotion`` beyond CREMA-D (+ RAVDESS with ``shared``): espeak-ng cannot act.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.signal
import soundfile as sf
import soxr

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "audioflan_ray" / "demo" / "samples"
SR = 16000
#: Part of the stamp (with a digest of this module and of the recipes it reads): a new value rebuilds the corpora.
VERSION = 1
NAMES = {"speech": "speech", "music": "music", "audio": "audio"}  # corpus folder -> domain
ESPEAK_VOCODER = "espeak-ng formant synthesizer"
GL_VOCODER = "Griffin-Lim phase reconstruction (copy-synthesis from the STFT magnitude)"
SYNTH_DEVICE = "software synthesizer (no microphone)"
_SHARED_CORPORA = ("ravdess", "gtzan", "clotho", "esc50")


# --- entry point ---------------------------------------------------------------------------------------------------


def make_normalized_corpora(dest: Path, shared: Path | None = None) -> dict[str, tuple[Path, str]]:
    """Write the three corpora under ``dest`` (reusing them when the stamp matches) and return name -> (root, domain).

    ``shared`` is the ``../shared`` folder (or its ``corpora`` folder); corpora missing there are simply skipped.
    """
    dest = Path(dest)
    corpora = _shared_corpora(shared)
    out = {name: (dest / name, domain) for name, domain in NAMES.items()}
    stamp = json.dumps(
        {
            "version": VERSION,
            # this module and the recipes whose labels it copies
            "code": _digest([Path(__file__), *sorted((REPO / "audioflan_ray" / "recipes").glob("*.py"))]),
            "shared": sorted(c for c in _SHARED_CORPORA if corpora is not None and (corpora / c).is_dir()),
            "espeak": _espeak_version(),
        },
        sort_keys=True,
    )
    stamp_file = dest / "normalized_corpora.json"
    if (
        stamp_file.is_file()
        and stamp_file.read_text(encoding="utf-8") == stamp
        and all((root / "manifest.jsonl").is_file() for root, _ in out.values())
    ):
        return out
    dest.mkdir(parents=True, exist_ok=True)
    stamp_file.unlink(missing_ok=True)
    builders: dict[str, Callable[[_Corpus, Path | None], None]] = {
        "speech": _build_speech,
        "music": _build_music,
        "audio": _build_audio,
    }
    for name, build in builders.items():
        root = dest / name
        if root.exists():
            shutil.rmtree(root)
        corpus = _Corpus(root)
        build(corpus, corpora)
        corpus.write_manifest()
    stamp_file.write_text(stamp, encoding="utf-8")
    return out


def _digest(paths: Sequence[Path]) -> str:
    h = hashlib.sha1()
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _shared_corpora(shared: Path | None) -> Path | None:
    if shared is None:
        return None
    for cand in (Path(shared) / "corpora", Path(shared)):
        if any((cand / c).is_dir() for c in _SHARED_CORPORA):
            return cand
    return None


# --- corpus writer -------------------------------------------------------------------------------------------------


@dataclass
class _Corpus:
    root: Path
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, rid: str, audio: np.ndarray, split: str, meta: dict[str, Any]) -> None:
        from audioflan_ray.recipes.base import METADATA_FIELDS, SPLITS

        # Every source of recipe `manifest` is the same dataset to the planner (sample keys, partner pools), so
        # recording ids carry the corpus name to stay unique over the three manifests.
        rid = f"{self.root.name}-{rid}"
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", rid) or rid in self.rows:
            raise ValueError(f"bad or duplicate recording id {rid!r}")
        unknown = set(meta) - set(METADATA_FIELDS)
        if unknown or split not in SPLITS:
            raise ValueError(f"{rid}: unknown fields {sorted(unknown)} or split {split!r}")
        if "vocoder" in meta and meta.get("spoof") != "spoof":
            raise ValueError(f"{rid}: vocoder on a row that is not a spoof")
        rel = f"audio/{rid}.wav"
        (self.root / "audio").mkdir(parents=True, exist_ok=True)
        sf.write(self.root / rel, np.clip(np.asarray(audio, dtype=np.float64), -1.0, 1.0), SR, subtype="PCM_16")
        clean = {k: v for k, v in sorted(meta.items()) if v is not None and v != ""}
        self.rows[rid] = {"recording_id": rid, "audio": rel, "split": split, "meta": clean}

    def write_manifest(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(self.rows[r], ensure_ascii=False, sort_keys=True) for r in sorted(self.rows)]
        (self.root / "manifest.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def _scan(recipe: str, root: Path) -> dict[str, Any]:
    """The recipe's recordings of a corpus root, by recording id (labels exactly as a recipe build sees them)."""
    from audioflan_ray.recipes.base import Recording, registry
    from audioflan_ray.storage import Root

    return {r.recording_id: r for r in registry()[recipe](Root(str(root))).scan() if isinstance(r, Recording)}


# --- audio helpers -------------------------------------------------------------------------------------------------


def _load(path: Path, start: float | None = None, stop: float | None = None) -> np.ndarray:
    """Mono float audio at 16 kHz, optionally the window [start, stop) in seconds (with 10 ms fades at cuts)."""
    info = sf.info(str(path))
    a = 0 if start is None else int(round(start * info.samplerate))
    b = -1 if stop is None else min(int(round(stop * info.samplerate)), info.frames)
    x, sr = sf.read(str(path), start=a, stop=None if b < 0 else b, dtype="float64", always_2d=True)
    y = _resample(x.mean(axis=1), sr)
    if start is not None or stop is not None:
        y = _fade(y, 0.01)
    return y


def _resample(x: np.ndarray, sr: float, out: int = SR) -> np.ndarray:
    return x if sr == out else np.asarray(soxr.resample(x, sr, out, quality="HQ"), dtype=np.float64)


def _fade(x: np.ndarray, seconds: float, sr: int = SR) -> np.ndarray:
    n = min(int(seconds * sr), len(x) // 2)
    if n:
        ramp = np.linspace(0.0, 1.0, n)
        x = x.copy()
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def _peak(x: np.ndarray, peak: float = 0.7) -> np.ndarray:
    m = float(np.max(np.abs(x))) if len(x) else 0.0
    return x * (peak / m) if m > 0 else x


def _trim(x: np.ndarray, sr: int, rel: float = 0.02, pad: float = 0.01) -> np.ndarray:
    """Cut leading and trailing near-silence (10 ms frames under ``rel`` of the peak frame level)."""
    h = max(1, int(0.01 * sr))
    frames = np.array([np.sqrt(np.mean(x[i : i + h] ** 2)) for i in range(0, len(x), h)])
    loud = np.where(frames > rel * frames.max())[0]
    if not len(loud):
        return x
    a = max(0, loud[0] * h - int(pad * sr))
    b = min(len(x), (loud[-1] + 1) * h + int(pad * sr))
    return x[a:b]


def f0_frames(x: np.ndarray, sr: int, fmin: float = 50.0, fmax: float = 600.0, hop: float = 0.01) -> np.ndarray:
    """YIN f0 per 10 ms frame (0 where unvoiced or quiet). Used to tune the singing and by the unit test."""
    w, h = int(0.03 * sr), int(hop * sr)
    tmax, tmin = int(sr / fmin), max(2, int(sr / fmax))
    n = (len(x) - w - tmax) // h + 1
    if n <= 0:
        return np.zeros(0)
    seg = x[np.arange(n)[:, None] * h + np.arange(w + tmax)[None, :]]
    size = 1 << int(np.ceil(np.log2(2 * w + tmax)))
    cross = np.fft.irfft(np.conj(np.fft.rfft(seg[:, :w], size)) * np.fft.rfft(seg, size), size)[:, : tmax + 1]
    sq = np.concatenate([np.zeros((n, 1)), np.cumsum(seg**2, axis=1)], axis=1)
    energy = sq[:, w : w + tmax + 1] - sq[:, : tmax + 1]
    d = np.maximum(energy[:, :1] + energy - 2 * cross, 0.0)
    cmnd = np.ones_like(d)
    cmnd[:, 1:] = d[:, 1:] * np.arange(1, tmax + 1) / np.maximum(np.cumsum(d[:, 1:], axis=1), 1e-12)
    rms = np.sqrt(energy[:, 0] / w)
    f0 = np.zeros(n)
    for i in range(n):
        if rms[i] < 0.1 * rms.max():
            continue
        below = np.where(cmnd[i, tmin:] < 0.15)[0]
        if not len(below):
            continue
        t = tmin + below[0]
        while t + 1 <= tmax and cmnd[i, t + 1] < cmnd[i, t]:
            t += 1
        if 1 <= t < tmax:
            a, b, c = cmnd[i, t - 1], cmnd[i, t], cmnd[i, t + 1]
            den = a - 2 * b + c
            t = t + (0.5 * (a - c) / den if den else 0.0)
        f0[i] = sr / t
    return f0


def _median_f0(x: np.ndarray, sr: int) -> float:
    f = f0_frames(x, sr)
    v = f[f > 0]
    if not len(v):
        raise RuntimeError("no voiced frame")
    return float(np.median(v))


def _vibrato(x: np.ndarray, sr: int, rate: float = 5.5, cents: float = 40.0) -> np.ndarray:
    """Sinusoidal pitch modulation (+-cents at rate Hz) by reading the signal at a modulated speed."""
    ratio = 2.0 ** (cents / 1200.0 * np.sin(2 * np.pi * rate * np.arange(len(x)) / sr))
    pos = np.cumsum(ratio) - ratio[0]
    pos = pos[pos <= len(x) - 1]
    return np.interp(pos, np.arange(len(x)), x)


def _griffin_lim(x: np.ndarray, iters: int = 32, n_fft: int = 512, hop: int = 128) -> np.ndarray:
    """Re-synthesize ``x`` from its STFT magnitude alone (phase from Griffin-Lim, seeded random start)."""
    kw = {"fs": SR, "nperseg": n_fft, "noverlap": n_fft - hop}
    _, _, spec = scipy.signal.stft(x, **kw)
    mag = np.abs(spec)
    phase = np.exp(2j * np.pi * np.random.default_rng(0).random(mag.shape))
    y = x
    for _ in range(iters):
        _, y = scipy.signal.istft(mag * phase, **kw)
        y = np.pad(y, (0, max(0, len(x) - len(y))))[: len(x)]
        _, _, spec = scipy.signal.stft(y, **kw)
        phase = np.exp(1j * np.angle(spec))
    return _peak(y, float(np.max(np.abs(x))))


# --- espeak-ng -----------------------------------------------------------------------------------------------------


def _espeak_version() -> str:
    try:
        return subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise RuntimeError("espeak-ng is required to build the normalized test corpora") from exc


def _espeak_raw(text: str, voice: str, pitch: int | None = None, flat: bool = False) -> tuple[np.ndarray, int]:
    cmd = ["espeak-ng", "-v", voice, "--stdout"]
    if pitch is not None:
        cmd += ["-p", str(pitch)]
    if flat:  # a monotone: SSML pitch range 0 keeps the f0 at the base pitch for the whole utterance
        cmd += ["-m", f'<speak><prosody range="0%">{text}</prosody></speak>']
    else:
        cmd += [text]
    wav = subprocess.run(cmd, capture_output=True, check=True).stdout
    x, sr = sf.read(io.BytesIO(wav), dtype="float64")
    return x, sr


def _espeak(text: str, voice: str) -> np.ndarray:
    x, sr = _espeak_raw(text, voice)
    return _resample(_trim(x, sr, pad=0.05), sr)


def _ipa(text: str, voice: str) -> str:
    """espeak-ng's IPA for ``text`` in ``voice``: the phonemes it speaks (G2P, not a narrow transcription)."""
    out = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", voice, text], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def _parallel(fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]) -> list[Any]:
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda a: fn(*a), jobs))


# --- speech ----------------------------------------------------------------------------------------------------------

#: espeak-ng voice -> (language, language_code, dialect or None, gender of the voice variant)
VOICES: dict[str, tuple[str, str, str | None, str]] = {
    "en-us+m3": ("English", "en", "American English", "male"),
    "en-us+f2": ("English", "en", "American English", "female"),
    "en-gb-scotland+m1": ("English", "en", "Scottish English", "male"),
    # "en" is espeak-ng's British English voice; a variant after "en-gb" is silently ignored, so not "en-gb+f4".
    "en+f4": ("English", "en", "British English", "female"),
    "en-029+m2": ("English", "en", "Caribbean English", "male"),
    "en-us-nyc+f1": ("English", "en", "New York City English", "female"),
    "es+m3": ("Spanish", "es", "Castilian Spanish", "male"),
    "es-419+f2": ("Spanish", "es", "Latin American Spanish", "female"),
    "fr+f2": ("French", "fr", None, "female"),
    "de+m1": ("German", "de", None, "male"),
}

#: Sentences (our own text) -> (text, voices): each by several voices, each voice on several sentences.
READ = {
    "s1": ("The quick brown fox jumps over the lazy dog.", ["en-us+m3", "en-us+f2", "en-gb-scotland+m1", "en-029+m2"]),
    "s2": ("Please bring the blue box to the kitchen table.", ["en-us+m3", "en+f4", "en-029+m2"]),
    "s3": ("She sells sea shells by the sea shore.", ["en-us+m3", "en-gb-scotland+m1", "en+f4", "en-us-nyc+f1"]),
    "s4": ("A rainbow appeared after the summer rain.", ["en-us+f2", "en-us-nyc+f1"]),
    # test split
    "s5": ("We will meet at the library tomorrow morning.", ["en-us+m3", "en-us+f2", "en-gb-scotland+m1"]),
    "s6": ("Bright lamps hung above the quiet harbour.", ["en-us+m3", "en-us+f2", "en-gb-scotland+m1"]),
}
READ_TEST = {"s5", "s6"}

#: Parallel sentences, translated by hand: id -> {language code: text}.
PARALLEL = {
    "t1": {"en": "Good morning.", "es": "Buenos días.", "fr": "Bonjour.", "de": "Guten Morgen."},
    "t2": {
        "en": "Where is the train station?",
        "es": "¿Dónde está la estación de tren?",
        "fr": "Où est la gare ?",
        "de": "Wo ist der Bahnhof?",
    },
    "t3": {
        "en": "I would like a cup of coffee.",
        "es": "Quisiera una taza de café.",
        "fr": "Je voudrais une tasse de café.",
        "de": "Ich hätte gern eine Tasse Kaffee.",
    },
    "t4": {
        "en": "The weather is nice today.",
        "es": "Hoy hace buen tiempo.",
        "fr": "Il fait beau aujourd'hui.",
        "de": "Das Wetter ist heute schön.",
    },
    # test split
    "t5": {"en": "Thank you very much.", "es": "Muchas gracias.", "fr": "Merci beaucoup.", "de": "Vielen Dank."},
    "t6": {
        "en": "How much does this cost?",
        "es": "¿Cuánto cuesta esto?",
        "fr": "Combien ça coûte ?",
        "de": "Wie viel kostet das?",
    },
}
PARALLEL_TEST = {"t5", "t6"}
#: language code -> (voice, language of the translation we attach: English rows get another language)
PARALLEL_VOICES = {"en": "en+f4", "es": "es+m3", "fr": "fr+f2", "de": "de+m1"}
EXTRA_PARALLEL = [("t1", "es-419+f2"), ("t2", "es-419+f2"), ("t5", "es-419+f2")]
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German"}

#: Spoken commands: id -> (text, intent in the Fluent Speech Commands style, voices)
INTENTS = {
    "i1": ("Turn on the lights in the kitchen.", "action: activate, object: lights, location: kitchen"),
    "i2": ("Turn off the lights in the bedroom.", "action: deactivate, object: lights, location: bedroom"),
    "i3": ("Turn up the heating in the bathroom.", "action: increase, object: heat, location: bathroom"),
    "i4": ("Lower the volume.", "action: decrease, object: volume, location: none"),
    "i5": ("Stop the music.", "action: deactivate, object: music, location: none"),
    "i6": ("Bring me my shoes.", "action: bring, object: shoes, location: none"),
    # test split
    "i7": ("Switch the language to German.", "action: change language, object: German, location: none"),
    "i8": ("Turn off the heating in the kitchen.", "action: deactivate, object: heat, location: kitchen"),
}
INTENTS_TEST = {"i7", "i8"}
INTENT_VOICES = ["en-us+m3", "en-us+f2"]

#: Scripted conversational turns, fillers and hesitations written into the text: the TEXT is conversational. A
#: synthesizer does not speak spontaneously, so these are labelled speaking_style "conversational" (the register of
#: what is said) and the caption says they are synthetic, never "spontaneous".
CONVERSATIONAL = {
    "c1": "Um, so, I was thinking, maybe we could, uh, grab lunch later?",
    "c2": "Yeah, no, I mean, it's fine, we can just, you know, do it tomorrow.",
    "c3": "Oh, wait, hang on, I think I left my keys in the car.",
    # test split
    "c4": "Hmm, well, honestly, I'm not really sure, but let's try it.",
}
CONVERSATIONAL_TEST = {"c4"}
CONVERSATIONAL_VOICES = ["en-us+m3", "en-us+f2"]


def _voice_words(voice: str) -> str:
    language, _, dialect, gender = VOICES[voice]
    accent = f" with {_article(dialect)} {dialect} accent" if dialect else ""
    return f"A synthetic {gender} voice{accent} (espeak-ng)"


def _pronoun(gender: str) -> str:
    return {"male": "his", "female": "her"}.get(gender, "their")


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _espeak_meta(text: str, voice: str, kind: str) -> dict[str, Any]:
    language, code, dialect, gender = VOICES[voice]
    return {
        "transcript": text,
        "speaker": f"espeak-ng {voice}",
        "gender": gender,
        "language": language,
        "language_code": code,
        "dialect": dialect,
        "spoof": "spoof",
        "vocoder": ESPEAK_VOCODER,
        "device": SYNTH_DEVICE,
        "caption": f"{_voice_words(voice)} says {kind} in {language}.",
    }


def _build_speech(corpus: _Corpus, shared: Path | None) -> None:
    # espeak-ng utterances: (rid, text, voice, split, extra meta)
    jobs: list[tuple[str, str, str, str, dict[str, Any]]] = []
    for sid, (text, voices) in READ.items():
        split = "test" if sid in READ_TEST else "train"
        for voice in voices:
            extra = {"parallel_id": f"read-{sid}", **_espeak_meta(text, voice, "a short sentence")}
            jobs.append((f"esp-{sid}-{_slug(voice)}", text, voice, split, extra))
    for tid, texts in PARALLEL.items():
        split = "test" if tid in PARALLEL_TEST else "train"
        pairs = [(code, PARALLEL_VOICES[code]) for code in texts] + [("es", v) for t, v in EXTRA_PARALLEL if t == tid]
        for i, (code, voice) in enumerate(pairs):
            # English rows carry a Spanish, French or German translation in turn; the others carry English.
            target = ["es", "fr", "de"][int(tid[1:]) % 3] if code == "en" else "en"
            extra = {
                "parallel_id": f"parallel-{tid}",
                "translation": texts[target],
                "translation_language": LANGUAGE_NAMES[target],
                **_espeak_meta(texts[code], voice, "a short phrase"),
            }
            jobs.append((f"esp-{tid}-{_slug(voice)}-{i}", texts[code], voice, split, extra))
    for iid, (text, intent) in INTENTS.items():
        split = "test" if iid in INTENTS_TEST else "train"
        for voice in INTENT_VOICES:
            extra = {"intent": intent, **_espeak_meta(text, voice, "a voice command")}
            jobs.append((f"esp-{iid}-{_slug(voice)}", text, voice, split, extra))
    for cid, text in CONVERSATIONAL.items():
        split = "test" if cid in CONVERSATIONAL_TEST else "train"
        for voice in CONVERSATIONAL_VOICES:
            extra = {"speaking_style": "conversational", **_espeak_meta(text, voice, "a scripted conversational turn")}
            jobs.append((f"esp-{cid}-{_slug(voice)}", text, voice, split, extra))
    audios = _parallel(_espeak, [(text, voice) for _, text, voice, _, _ in jobs])
    ipas = _parallel(_ipa, [(text, voice) for _, text, voice, _, _ in jobs])
    for (rid, _text, _voice, split, extra), audio, ipa in zip(jobs, audios, ipas, strict=True):
        corpus.add(rid, audio, split, {**extra, "phonemes": ipa})

    _real_speech(corpus, shared)


def _english_dialect(accent: str) -> str:
    """The variety of English a speaker's accent label names ("Scottish" -> "Scottish English")."""
    return "English of England" if accent == "English (England)" else f"{accent} English"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _real_speech(corpus: _Corpus, shared: Path | None) -> None:
    base = {"spoof": "bonafide"}
    spoof_sources: list[tuple[str, np.ndarray, str, dict[str, Any]]] = []

    # LibriSpeech test-clean, speaker 1089 (male per the official SPEAKERS.TXT, as PROVENANCE.md records).
    ls = _scan("librispeech", SAMPLES / "librispeech")
    for rid, rec in ls.items():
        m = rec.meta
        meta = {
            **base,
            "speaker": m["speaker"],
            "chapter": m["chapter"],
            "gender": "male",
            "language": m["language"],
            "language_code": m["language_code"],
            "speaking_style": "read",
        }
        path = SAMPLES / "librispeech" / rec.audio
        if rid == "1089-134686-0000":
            # 10.4 s: keep a 4 s window; speaker and chapter hold for it, the transcript does not.
            corpus.add(f"ls-{rid}-w0", _load(path, 0.0, 4.0), "train", meta)
            continue
        caption = "A male speaker reads a passage from an audiobook in English."
        audio = _load(path)
        corpus.add(f"ls-{rid}", audio, "train", {**meta, "transcript": m["transcript"], "caption": caption})
        if rid == "1089-134691-0000":
            spoof_sources.append((f"ls-{rid}", audio, "train", m))

    # LJ Speech: one female reader of non-fiction books (README); the short clips only.
    lj = _scan("ljspeech", SAMPLES / "ljspeech")
    for rid, split in (("LJ001-0002", "train"), ("LJ001-0008", "train"), ("LJ001-0011", "test")):
        m = lj[rid].meta
        audio = _load(SAMPLES / "ljspeech" / lj[rid].audio)
        caption = f"A female speaker with {_article(m['accent'])} {m['accent']} accent reads from a non-fiction book."
        meta = {
            **base,
            **{k: m[k] for k in ("transcript", "gender", "accent", "language", "language_code")},
            "speaker": m["speaker"],
            "speaking_style": "read",
            "caption": caption,
        }
        corpus.add(f"lj-{rid.lower()}", audio, split, meta)
        if rid == "LJ001-0008":
            spoof_sources.append((f"lj-{rid.lower()}", audio, "train", m))

    # VCTK: read newspaper sentences; dialect = the speaker's accent as a variety of English.
    vctk = _scan("vctk", SAMPLES / "vctk")
    for rid, split in (("p238_165", "train"), ("p255_367", "train"), ("p301_102", "train"), ("p314_272", "test"),
                       ("p317_166", "test")):  # fmt: skip
        m = vctk[rid].meta
        audio = _load(SAMPLES / "vctk" / vctk[rid].audio)
        meta = {
            **base,
            **{k: m[k] for k in ("transcript", "gender", "age", "accent", "region", "language", "language_code")},
            "speaker": m["speaker"],
            "dialect": _english_dialect(m["accent"]),
            "speaking_style": "read",
            "caption": f"A {m['gender']} speaker in {_pronoun(m['gender'])} {m['age']} with "
            f"{_article(m['accent'])} {m['accent']} accent reads a sentence.",
        }
        corpus.add(f"vctk-{rid.replace('_', '-')}", audio, split, meta)
        if rid == "p317_166":
            spoof_sources.append((f"vctk-{rid.replace('_', '-')}", audio, "test", m))

    # Common Voice: volunteers reading prompt sentences; the short clips with gender, age and accent.
    cv = _scan("common_voice", SAMPLES / "common_voice")
    for rid, split in (("common_voice_en_111554", "train"), ("common_voice_en_178693", "train"),
                       ("common_voice_en_221948", "test"), ("common_voice_en_499413", "test"),
                       ("common_voice_zh-CN_18647608", "train")):  # fmt: skip
        m = cv[rid].meta
        age = m["age"]
        pronoun = _pronoun(m.get("gender", ""))
        speaker = {"male": "A male speaker", "female": "A female speaker"}.get(m.get("gender", ""), "A speaker")
        accent = f" with {_article(m['accent'])} {m['accent']} accent" if m.get("accent") else ""
        meta = {
            **base,
            **{k: m.get(k) for k in ("transcript", "gender", "age", "accent", "language", "language_code")},
            "speaker": f"common_voice-{m['client_id'][:12]}",
            "dialect": _english_dialect(m["accent"]) if m.get("accent") and m["language_code"] == "en" else None,
            "speaking_style": "read",
            "caption": f"{speaker} in {pronoun} {age}{accent} reads a prompt sentence in {m['language']}.",
        }
        corpus.add(f"cv-{rid.split('_', 2)[2].lower()}", _load(SAMPLES / "common_voice" / cv[rid].audio), split, meta)

    # CREMA-D: actors saying fixed sentences in six intended emotions (same speaker, same text, other emotion).
    crema = _scan("crema_d", SAMPLES / "crema_d")
    for rid, rec in crema.items():
        m = rec.meta
        emotion = m["emotion"]
        audio = _load(SAMPLES / "crema_d" / rec.audio)
        meta = {
            **base,
            **{k: m[k] for k in ("transcript", "gender", "age", "language", "language_code")},
            "speaker": m["speaker"],
            "emotion": emotion,
            "parallel_id": f"crema_d-{m['parallel_id']}",
            "caption": f"A {m['gender']} actor in {_pronoun(m['gender'])} {m['age']} says a sentence in "
            f"{_article(emotion)} {emotion} tone.",
        }
        corpus.add(f"crema-{rid.lower().replace('_', '-')}", audio, "train", meta)
        if rid == "1001_IOM_NEU_XX":
            spoof_sources.append((f"crema-{rid.lower().replace('_', '-')}", audio, "train", m))

    # RAVDESS (shared only): four actors, one statement, several emotions.
    if shared is not None and (shared / "ravdess").is_dir():
        rav = _scan("ravdess", shared / "ravdess")
        for rid, rec in rav.items():
            m = rec.meta
            if m["emotion"] not in ("neutral", "happy", "sad", "angry"):
                continue
            split = "train" if m["speaker"] in ("ravdess_01", "ravdess_02") else "test"
            meta = {
                **base,
                **{k: m[k] for k in ("transcript", "gender", "emotion", "language", "language_code", "intensity")},
                "speaker": m["speaker"],
                "parallel_id": f"ravdess-{m['parallel_id']}",
                "caption": f"A {m['gender']} actor says a sentence in {_article(m['emotion'])} {m['emotion']} tone.",
            }
            corpus.add(f"ravdess-{rid}", _load(shared / "ravdess" / rec.audio), split, meta)

    # Copy-synthesis spoofs: the same words, re-synthesized by a vocoder from the magnitude spectrogram.
    for src, audio, split, m in spoof_sources:
        meta = {
            "transcript": m["transcript"],
            "language": m["language"],
            "language_code": m["language_code"],
            "spoof": "spoof",
            "vocoder": GL_VOCODER,
        }
        corpus.add(f"gl-{src}", _griffin_lim(audio), split, meta)


# --- music ---------------------------------------------------------------------------------------------------------

_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
_TONIC = {n: 60 + i for i, n in enumerate(_NAMES)}  # the tonic in octave 4
SCALES = {
    "major": [0, 2, 4, 5, 7, 9, 11],
    "natural minor": [0, 2, 3, 5, 7, 8, 10],
    "harmonic minor": [0, 2, 3, 5, 7, 8, 11],
    "dorian": [0, 2, 3, 5, 7, 9, 10],
    "phrygian": [0, 1, 3, 5, 7, 8, 10],
    "lydian": [0, 2, 4, 6, 7, 9, 11],
    "mixolydian": [0, 2, 4, 5, 7, 9, 10],
    "major pentatonic": [0, 2, 4, 7, 9],
    "minor pentatonic": [0, 3, 5, 7, 10],
}
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII"]


def _note(midi: int) -> str:
    return f"{_NAMES[midi % 12]}{midi // 12 - 1}"


def _hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12)


@dataclass(frozen=True)
class Preset:
    instrument: str  # the `instrument` label
    artist: str  # the `artist` label: the generator preset stands in for a performer
    harmonics: Callable[[int], float]  # amplitude of harmonic k
    attack: float
    decay: float | None = None  # exponential amplitude decay time constant (percussive presets)
    fm: bool = False


PRESETS = {
    "organ": Preset(
        "synth organ", "numpy-synth Organ preset", lambda k: {1: 1, 2: 0.5, 3: 0.3, 4: 0.15}.get(k, 0), 0.01
    ),
    "lead": Preset("square-wave lead synth", "numpy-synth Square Lead preset", lambda k: (k % 2) / k, 0.005),
    "brass": Preset("sawtooth brass synth", "numpy-synth Saw Brass preset", lambda k: np.exp(-k / 8) / k, 0.04),
    "flute": Preset("triangle-wave flute synth", "numpy-synth Triangle Flute preset", lambda k: (k % 2) / k**2, 0.05),
    "epiano": Preset("FM electric piano", "numpy-synth FM Piano preset", lambda k: 0.0, 0.003, decay=0.6, fm=True),
}


def _osc(freq: np.ndarray, preset: Preset) -> np.ndarray:
    """A tone following the per-sample frequency ``freq`` (band-limited additive synthesis, or 2-operator FM)."""
    phase = 2 * np.pi * np.cumsum(freq) / SR
    if preset.fm:
        t = np.arange(len(freq)) / SR
        return np.sin(phase + 1.5 * np.exp(-t / 0.25) * np.sin(phase))
    out = np.zeros(len(freq))
    for k in range(1, 40):
        a = preset.harmonics(k)
        if a and k * float(freq.max()) < 0.45 * SR:
            out += a * np.sin(k * phase)
    return out


def _env(n: int, preset: Preset, release: float = 0.03) -> np.ndarray:
    t = np.arange(n) / SR
    e = np.minimum(1.0, t / preset.attack) if preset.attack else np.ones(n)
    if preset.decay:
        e = e * np.exp(-t / preset.decay)
    r = min(int(release * SR), n)
    if r:
        e[-r:] *= np.linspace(1.0, 0.0, r)
    return e


def _tone(midi: float, seconds: float, preset: Preset, vibrato: bool = False) -> np.ndarray:
    n = int(seconds * SR)
    freq = np.full(n, _hz(midi))
    if vibrato:
        freq = freq * 2.0 ** (40 / 1200 * np.sin(2 * np.pi * 5.5 * np.arange(n) / SR))
    return _osc(freq, preset) * _env(n, preset)


def _place(buf: np.ndarray, x: np.ndarray, at: float, gain: float = 1.0) -> None:
    a = int(round(at * SR))
    b = min(len(buf), a + len(x))
    buf[a:b] += gain * x[: b - a]


def _melody_notes(notes: list[int], tempo: int, technique: str) -> str:
    """The ``melody`` label of ``_melody``'s output: each note's start-end (the span ``_melody`` sounds it) and name."""
    beat = 60.0 / tempo
    length = {"staccato": 0.3, "legato": 1.0}.get(technique, 0.9) * beat
    return ", ".join(f"{i * beat:.2f}-{i * beat + length:.2f} {_note(m)}" for i, m in enumerate(notes))


def _melody(notes: list[int], tempo: int, preset: Preset, technique: str) -> np.ndarray:
    """One note per beat, starting at 0 s. staccato: 30 % of the beat, detached; legato: one continuous tone that
    changes pitch on the beat with no re-attack; vibrato: 90 % of the beat, each note with 5.5 Hz +-40 cent vibrato."""
    beat = 60.0 / tempo
    total = len(notes) * beat + 0.3
    buf = np.zeros(int(total * SR))
    if technique == "legato":
        n = int(len(notes) * beat * SR)
        idx = np.minimum((np.arange(n) / (beat * SR)).astype(int), len(notes) - 1)
        freq = np.array([_hz(m) for m in notes])[idx]
        glide = int(0.015 * SR)  # 15 ms portamento, so that the change is smooth but on the beat
        freq = np.convolve(np.pad(freq, (glide, glide), mode="edge"), np.ones(glide) / glide, mode="same")[glide:-glide]
        _place(buf, _osc(freq, preset) * _env(n, preset, release=0.06), 0.0)
        return buf
    for i, m in enumerate(notes):
        dur = 0.3 * beat if technique == "staccato" else 0.9 * beat
        _place(buf, _tone(m, dur, preset, vibrato=technique == "vibrato"), i * beat)
    return buf


def _kick() -> np.ndarray:
    t = np.arange(int(0.25 * SR)) / SR
    freq = 50 + 100 * np.exp(-t / 0.04)
    return np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.08)


def _snare(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.2 * SR)) / SR
    noise = scipy.signal.lfilter(*scipy.signal.butter(2, [1000, 6000], "bandpass", fs=SR), rng.standard_normal(len(t)))
    return (0.8 * noise / np.max(np.abs(noise)) + 0.4 * np.sin(2 * np.pi * 185 * t)) * np.exp(-t / 0.05)


def _hat(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.08 * SR)) / SR
    noise = scipy.signal.lfilter(*scipy.signal.butter(2, 6500, "highpass", fs=SR), rng.standard_normal(len(t)))
    return noise / np.max(np.abs(noise)) * np.exp(-t / 0.015)


KICK, SNARE, HAT, BASS = "synth kick drum", "synth snare drum", "synth hi-hat", "synth bass"
#: drum pattern -> per beat of a 4-beat bar, the drums struck on it
PATTERNS: dict[str, list[tuple[str, ...]]] = {
    "rock": [(KICK, HAT), (SNARE, HAT), (KICK, HAT), (SNARE, HAT)],
    "four-on-the-floor": [(KICK, HAT), (KICK, SNARE, HAT), (KICK, HAT), (KICK, SNARE, HAT)],
    "half-time": [(KICK, HAT), (HAT,), (SNARE, HAT), (HAT,)],
    "kick and snare": [(KICK,), (SNARE,), (KICK,), (SNARE,)],
}


def _drums(pattern: str, tempo: int, n_beats: int, seed: int) -> tuple[np.ndarray, list[list[str]]]:
    rng = np.random.default_rng(seed)
    beat = 60.0 / tempo
    buf = np.zeros(int((n_beats * beat + 0.3) * SR))
    sounds = {KICK: _kick(), SNARE: _snare(rng), HAT: _hat(rng)}
    per_beat = []
    for i in range(n_beats):
        hits = list(PATTERNS[pattern][i % 4])
        for h in hits:
            _place(buf, sounds[h], i * beat, {KICK: 0.9, SNARE: 0.5, HAT: 0.25}[h])
        per_beat.append(hits)
    return buf, per_beat


def _chord(key_tonic: int, scale: list[int], degree: int) -> tuple[list[int], str, str]:
    """The diatonic triad on ``degree``: MIDI notes, Harte label and Roman numeral."""
    notes = [key_tonic + scale[(degree + s) % 7] + 12 * ((degree + s) // 7) for s in (0, 2, 4)]
    third, fifth = notes[1] - notes[0], notes[2] - notes[0]
    quality = {(4, 7): "maj", (3, 7): "min", (3, 6): "dim"}[(third, fifth)]
    roman = _ROMAN[degree] if quality == "maj" else _ROMAN[degree].lower()
    return notes, f"{_NAMES[notes[0] % 12]}:{quality}", roman + ("°" if quality == "dim" else "")


def _fmt_times(times: Sequence[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def _music_meta(preset: Preset | None, tempo: int | None, n_beats: int | None) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if preset is not None:  # the preset is the exact instrument: instrument_id names it
        meta.update(instrument=preset.instrument, instrument_id=preset.artist, artist=preset.artist)
    if tempo is not None and n_beats is not None:
        meta.update(tempo=tempo, beats=_fmt_times([i * 60.0 / tempo for i in range(n_beats)]))
    return meta


#: band pieces: (id, split, tonic, mode, degrees (0-based, 2 beats each), tempo, drum pattern)
BAND = [
    ("b1", "train", "C", "major", [0, 5, 3, 4], 120, "rock"),
    ("b2", "train", "G", "major", [0, 3, 4, 0], 124, "four-on-the-floor"),
    ("b3", "train", "A", "natural minor", [0, 3, 4, 0], 128, "rock"),
    ("b4", "train", "E", "natural minor", [0, 5, 6, 0], 140, "half-time"),
    ("b5", "train", "F", "major", [0, 4, 5, 3], 132, "kick and snare"),
    ("b6", "train", "C", "major", [0, 3, 4, 0], 136, "four-on-the-floor"),
    ("b7", "test", "C", "major", [0, 5, 3, 4], 126, "rock"),
    ("b8", "test", "A", "natural minor", [0, 5, 6, 0], 120, "four-on-the-floor"),
    ("b9", "test", "C", "major", [0, 4, 5, 3], 140, "half-time"),
]

#: melodies as degrees of the key's scale (7 = the tonic an octave up), one note per beat
MELODIES = {
    "m1": [0, 2, 4, 7, 4, 2, 1, 0],
    "m2": [0, 1, 2, 3, 4, 3, 1, 0],
    "m3": [4, 3, 2, 1, 0, 2, 4, 0],
}
#: technique pieces: (id, split, preset, technique, tonic, mode, melody, tempo)
TECHNIQUE = [
    ("p1", "train", "organ", "staccato", "C", "major", "m1", 120),
    ("p2", "train", "organ", "legato", "G", "major", "m2", 132),
    ("p3", "train", "organ", "vibrato", "A", "natural minor", "m3", 126),
    ("p4", "train", "lead", "staccato", "A", "natural minor", "m2", 140),
    ("p5", "train", "lead", "legato", "C", "major", "m3", 120),
    ("p6", "train", "lead", "vibrato", "E", "natural minor", "m1", 132),
    ("p7", "train", "brass", "staccato", "G", "major", "m3", 128),
    ("p8", "train", "brass", "legato", "A", "natural minor", "m1", 124),
    ("p9", "train", "brass", "vibrato", "C", "major", "m2", 120),
    ("p10", "train", "flute", "staccato", "D", "major", "m1", 136),
    ("p11", "train", "flute", "legato", "E", "natural minor", "m2", 144),
    ("p12", "train", "flute", "vibrato", "F", "major", "m3", 120),
    ("p13", "test", "organ", "staccato", "C", "major", "m2", 132),
    ("p14", "test", "lead", "legato", "C", "major", "m1", 128),
    ("p15", "test", "brass", "vibrato", "A", "natural minor", "m2", 136),
    ("p16", "test", "flute", "vibrato", "A", "natural minor", "m1", 124),
    ("p17", "test", "flute", "staccato", "G", "major", "m3", 140),
]
#: scale runs, tonic up to its octave: (id, split, preset, scale, tonic, tempo, technique)
RUNS = [
    ("r1", "train", "organ", "major", "C", 150, "legato"),
    ("r2", "train", "lead", "natural minor", "A", 150, "staccato"),
    ("r3", "train", "flute", "dorian", "D", 144, "legato"),
    ("r4", "train", "brass", "mixolydian", "G", 150, "staccato"),
    ("r5", "train", "organ", "lydian", "F", 144, "staccato"),
    ("r6", "train", "flute", "phrygian", "E", 150, "legato"),
    ("r7", "train", "lead", "harmonic minor", "A", 144, "legato"),
    ("r8", "train", "brass", "major pentatonic", "C", 120, "legato"),
    ("r9", "train", "organ", "minor pentatonic", "A", 120, "staccato"),
    ("r10", "test", "lead", "major", "G", 150, "staccato"),
    ("r11", "test", "organ", "dorian", "A", 144, "legato"),
    ("r12", "test", "flute", "natural minor", "E", 150, "staccato"),
    ("r13", "test", "brass", "major pentatonic", "D", 120, "legato"),
]
#: drum loops: (id, split, pattern, tempo)
DRUMS = [
    ("d1", "train", "rock", 100),
    ("d2", "train", "four-on-the-floor", 124),
    ("d3", "train", "half-time", 90),
    ("d4", "test", "rock", 132),
    ("d5", "test", "kick and snare", 96),
]
#: single notes: (id, split, preset, MIDI pitch)
NOTES = [
    ("n1", "train", "organ", 48),
    ("n2", "train", "lead", 64),
    ("n3", "train", "brass", 55),
    ("n4", "train", "flute", 69),
    ("n5", "train", "epiano", 62),
    ("n6", "test", "organ", 65),
    ("n7", "test", "flute", 72),
]


def _key_name(tonic: str, mode: str) -> str | None:
    return {"major": f"{tonic} major", "natural minor": f"{tonic} minor", "harmonic minor": f"{tonic} minor"}.get(mode)


#: Stimuli designed to express an emotion with the cues music-emotion studies use (Juslin & Laukka 2004): happy =
#: major, fast, high register, staccato; sad = minor, slow, low register, legato. The label is the INTENDED emotion
#: of the design, as in acted-speech corpora, not a listener rating.
#: (id, split, emotion, preset, technique, tempo, MIDI notes)
EMOTION_STIMULI = [
    ("e1", "train", "happy", "flute", "staccato", 160, [72, 76, 79, 84, 79, 76, 79, 84]),
    ("e2", "train", "happy", "lead", "staccato", 150, [74, 78, 81, 86, 81, 78, 74, 78]),
    ("e3", "train", "happy", "organ", "staccato", 168, [67, 71, 74, 79, 74, 71, 74, 79]),
    ("e4", "train", "sad", "flute", "legato", 60, [57, 55, 53, 52, 50, 48, 47, 45]),
    ("e5", "train", "sad", "organ", "legato", 56, [52, 50, 48, 47, 45, 44, 45, 40]),
    ("e6", "train", "sad", "lead", "legato", 64, [50, 48, 46, 45, 43, 41, 40, 38]),
    ("e7", "test", "happy", "flute", "staccato", 156, [65, 69, 72, 77, 72, 69, 72, 77]),
    ("e8", "test", "happy", "organ", "staccato", 164, [72, 74, 76, 79, 81, 79, 76, 72]),
    ("e9", "test", "sad", "flute", "legato", 58, [55, 53, 51, 50, 48, 46, 44, 43]),
    ("e10", "test", "sad", "lead", "legato", 62, [53, 51, 49, 48, 46, 44, 43, 41]),
]
_EMOTION_KEYS = {"happy": "major", "sad": "minor"}


def _build_music(corpus: _Corpus, shared: Path | None) -> None:
    for rid, split, emotion, preset_name, technique, tempo, notes in EMOTION_STIMULI:
        preset = PRESETS[preset_name]
        meta = {
            **_music_meta(preset, tempo, len(notes)),
            "emotion": emotion,
            "technique": technique,
            "notes": " | ".join(f"{_note(m)} {60.0 / tempo:.2f}" for m in notes),
            "tags": f"synthesizer, instrumental, designed stimulus, {emotion}, {tempo} bpm, {technique}",
            "caption": f"{_article(preset.instrument).capitalize()} {preset.instrument} plays a {technique} "
            f"{_EMOTION_KEYS[emotion]}-mode phrase at {tempo} BPM, designed to sound {emotion}.",
        }
        corpus.add(f"emotion-{rid}", _peak(_melody(notes, tempo, preset, technique)), split, meta)

    epiano = PRESETS["epiano"]
    for rid, split, tonic, mode, degrees, tempo, pattern in BAND:
        beat = 60.0 / tempo
        n_beats = 2 * len(degrees)
        drums, per_beat = _drums(pattern, tempo, n_beats, seed=int(rid[1:]))
        keys = np.zeros_like(drums)
        bass = np.zeros_like(drums)
        chords, romans, per_beat_instruments = [], [], []
        for c, degree in enumerate(degrees):
            notes, label, roman = _chord(_TONIC[tonic], SCALES[mode], degree)
            chords.append(f"{2 * c * beat:.2f}-{2 * (c + 1) * beat:.2f} {label}")
            romans.append(roman)
            for b in range(2):  # block chord struck on both beats; bass on the chord's first beat only
                at = (2 * c + b) * beat
                for m in notes:
                    _place(keys, _tone(m, 0.95 * beat, epiano), at, 0.25)
                if b == 0:
                    _place(bass, _tone(notes[0] - 24, 0.9 * beat, PRESETS["brass"]), at, 0.5)
        for i, hits in enumerate(per_beat):
            played = hits + ([BASS] if i % 2 == 0 else []) + [epiano.instrument]
            per_beat_instruments.append(f"beat{i + 1}: {', '.join(played)}")
        key = _key_name(tonic, mode)
        chord_names = " - ".join(c.split(" ")[1] for c in chords)
        meta = {
            **_music_meta(None, tempo, n_beats),
            "instrument": f"{epiano.instrument}, {BASS}, drum machine (synthesized)",
            "artist": "numpy-synth Band preset",
            "key": key,
            "scale": mode,
            "chords": ", ".join(chords),
            "progression": "-".join(romans),
            "beat_instruments": "; ".join(per_beat_instruments),
            "tags": f"synthesizer, instrumental, drums, electric piano, {key}, {tempo} bpm, {pattern} beat",
            "caption": f"A synthesized band (drum machine, synth bass and FM electric piano) plays the chords "
            f"{chord_names} ({'-'.join(romans)} in {key}) at {tempo} BPM over a {pattern} drum beat.",
        }
        corpus.add(f"band-{rid}", _peak(drums + keys + bass), split, meta)

    for rid, split, preset_name, technique, tonic, mode, melody, tempo in TECHNIQUE:
        preset = PRESETS[preset_name]
        scale = SCALES[mode]
        notes = [_TONIC[tonic] + scale[d % 7] + 12 * (d // 7) for d in MELODIES[melody]]
        key = _key_name(tonic, mode)
        meta = {
            **_music_meta(preset, tempo, len(notes)),
            "key": key,
            "technique": technique,
            "beat_pitches": "; ".join(f"beat{i + 1}: {_note(m)}" for i, m in enumerate(notes)),
            "notes": " | ".join(f"{_note(m)} {60.0 / tempo:.2f}" for m in notes),
            "melody": _melody_notes(notes, tempo, technique),
            "tags": f"synthesizer, instrumental, melody, {key}, {tempo} bpm, {technique}",
            "caption": f"{_article(preset.instrument).capitalize()} {preset.instrument} plays a short {technique} "
            f"melody in {key} at {tempo} BPM, one note per beat.",
        }
        corpus.add(f"melody-{rid}", _peak(_melody(notes, tempo, preset, technique)), split, meta)

    for rid, split, preset_name, scale_name, tonic, tempo, technique in RUNS:
        preset = PRESETS[preset_name]
        scale = SCALES[scale_name]
        notes = [_TONIC[tonic] + s for s in scale] + [_TONIC[tonic] + 12]  # tonic up to its octave
        key = _key_name(tonic, scale_name)
        meta = {
            **_music_meta(preset, tempo, len(notes)),
            "key": key,
            "scale": scale_name,
            "technique": technique,
            "beat_pitches": "; ".join(f"beat{i + 1}: {_note(m)}" for i, m in enumerate(notes)),
            "notes": " | ".join(f"{_note(m)} {60.0 / tempo:.2f}" for m in notes),
            "tags": f"synthesizer, instrumental, scale, {scale_name}, {tempo} bpm, {technique}",
            "caption": f"{_article(preset.instrument).capitalize()} {preset.instrument} plays the {tonic} "
            f"{scale_name} scale, {technique}, at {tempo} BPM.",
        }
        corpus.add(f"scale-{rid}", _peak(_melody(notes, tempo, preset, technique)), split, meta)

    for rid, split, pattern, tempo in DRUMS:
        n_beats = 8 if tempo >= 120 else 6
        drums, per_beat = _drums(pattern, tempo, n_beats, seed=100 + int(rid[1:]))
        meta = {
            **_music_meta(None, tempo, n_beats),
            "instrument": "drum machine (synthesized)",
            "artist": "numpy-synth Drum Machine preset",
            "beat_instruments": "; ".join(f"beat{i + 1}: {', '.join(h)}" for i, h in enumerate(per_beat)),
            "tags": f"drums, drum machine, percussion, {tempo} bpm, {pattern} beat",
            "caption": f"A synthesized drum machine plays a {pattern} beat at {tempo} BPM.",
        }
        corpus.add(f"drums-{rid}", _peak(drums), split, meta)

    for rid, split, preset_name, midi in NOTES:
        preset = PRESETS[preset_name]
        meta = {
            **_music_meta(preset, None, None),
            "pitch": midi,
            "tags": f"synthesizer, single note, {_note(midi)}",
            "caption": f"{_article(preset.instrument).capitalize()} {preset.instrument} plays a single held note, "
            f"{_note(midi)}.",
        }
        corpus.add(f"note-{rid}", _peak(_tone(midi, 1.5, preset), 0.5), split, meta)

    _singing(corpus)
    _nsynth_music(corpus)
    if shared is not None and (shared / "gtzan").is_dir():
        gtzan = _scan("gtzan", shared / "gtzan")
        for rid, rec in gtzan.items():
            genre = rec.meta["genre"]
            split = "test" if genre in ("classical", "metal") else "train"
            # A genre holds for any excerpt of the track: 3 s from 10 s in.
            corpus.add(f"gtzan-{rid.replace('.', '-')}", _load(shared / "gtzan" / rec.audio, 10.0, 13.0), split,
                       {"genre": genre})  # fmt: skip


def _nsynth_music(corpus: _Corpus) -> None:
    ns = _scan("nsynth", SAMPLES / "nsynth")
    picks = {
        "guitar_acoustic_010-060-100": "train",
        "mallet_acoustic_062-060-050": "train",
        "organ_electronic_001-060-075": "train",
        "reed_acoustic_011-060-050": "train",
        "guitar_acoustic_010-060-127": "test",
        "organ_electronic_001-060-100": "test",
    }
    for rid, split in picks.items():
        m = ns[rid].meta
        qualities = [q.replace("_", " ") for q in str(m.get("qualities", "")).split(",") if q]
        desc = f" ({', '.join(qualities)})" if qualities else ""
        meta = {
            **{k: m[k] for k in ("instrument", "instrument_source", "pitch", "velocity") if k in m},
            "qualities": m.get("qualities"),
            "tags": ", ".join([m["instrument_source"], m["instrument_family"], "single note", *qualities]),
            "caption": f"A single {m['instrument']} note, {_note(int(m['pitch']))}, "
            f"played at velocity {m['velocity']}{desc}.",
        }
        corpus.add(f"nsynth-{rid.replace('_', '-')}", _load(SAMPLES / "nsynth" / ns[rid].audio), split, meta)


#: espeak-ng "singing": lyrics -> (words, semitones above the voice's tonic, beats per word)
LYRICS = {
    "l1": ("row row row your boat", [0, 0, 0, 2, 4], [1, 1, 1, 1, 2]),
    "l2": ("twinkle twinkle little star", [0, 7, 9, 7], [1, 1, 1, 2]),
    "l3": ("sun and moon and stars", [0, 2, 4, 5, 7], [1, 1, 1, 1, 2]),
    "l4": ("good night and sweet dreams", [7, 5, 4, 2, 0], [1, 1, 1, 1, 2]),
}
#: voice -> tonic MIDI note (F2 for the male voice, F3 for the female ones)
SINGERS = {"en-us+m3": 41, "en-us+f2": 53, "en+f4": 53}
#: takes: (lyrics, voice, split, vibrato)
TAKES = [
    ("l1", "en-us+m3", "train", False),
    ("l2", "en-us+m3", "train", False),
    ("l1", "en-us+f2", "train", False),
    ("l2", "en-us+f2", "train", False),
    ("l1", "en+f4", "train", False),
    ("l2", "en+f4", "train", False),
    ("l1", "en-us+m3", "train", True),
    ("l2", "en-us+f2", "train", True),
    ("l3", "en-us+m3", "test", False),
    ("l4", "en-us+m3", "test", False),
    ("l3", "en-us+f2", "test", False),
    ("l4", "en-us+f2", "test", False),
    ("l3", "en-us+f2", "test", True),
]
SING_TEMPO = 90


def _calibrate(voice: str) -> list[tuple[int, float]]:
    """espeak-ng base pitch (-p) -> the f0 it gives this voice with a flat contour."""
    points = []
    for p in (0, 25, 50, 75, 99):
        x, sr = _espeak_raw("moon", voice, pitch=p, flat=True)
        points.append((p, _median_f0(x, sr)))
    return points


def _sung_word(word: str, voice: str, midi: int, calibration: list[tuple[int, float]]) -> np.ndarray:
    target = _hz(midi)
    ps, fs = zip(*calibration, strict=True)
    p = int(round(float(np.interp(np.log(target), np.log(fs), ps))))
    x, sr = _espeak_raw(word, voice, pitch=p, flat=True)
    x = _trim(x, sr, pad=0.0)
    ratio = target / _median_f0(x, sr)  # resampling by this ratio puts the flat f0 exactly on the note
    return _resample(x, sr * ratio)


def _singing(corpus: _Corpus) -> None:
    beat = 60.0 / SING_TEMPO
    calibrations = dict(zip(SINGERS, _parallel(_calibrate, [(v,) for v in SINGERS]), strict=True))
    jobs = []
    for lid, voice, _split, _vib in TAKES:
        words, semis, _ = LYRICS[lid]
        for w, s in zip(words.split(), semis, strict=True):
            jobs.append((w, voice, SINGERS[voice] + s, calibrations[voice]))
    sung = dict(zip([(j[0], j[1], j[2]) for j in jobs], _parallel(_sung_word, jobs), strict=True))
    for lid, voice, split, vibrato in TAKES:
        words, semis, beats = LYRICS[lid]
        buf = np.zeros(int((sum(beats) * beat + 0.2) * SR))
        at, notes = 0.0, []
        for w, s, b in zip(words.split(), semis, beats, strict=True):
            midi = SINGERS[voice] + s
            x = sung[(w, voice, midi)][: int((b * beat - 0.04) * SR)]  # a word longer than its note is cut short
            _place(buf, _fade(x, 0.02), at)
            notes.append(f"{_note(midi)} {b * beat:.2f}")
            at += b * beat
        gender = VOICES[voice][3]
        meta: dict[str, Any] = {
            "lyrics": words,
            "speaker": f"espeak-ng {voice}",
            "artist": f"espeak-ng {voice}",
            "instrument": "voice",
            "technique": "vibrato" if vibrato else "straight",
            "tags": f"synthetic singing, {gender} voice, {'vibrato' if vibrato else 'straight tone'}",
        }
        if vibrato:
            buf = _vibrato(buf, SR)
            meta["caption"] = f"A synthetic {gender} voice (espeak-ng) sings '{words}' one word per note, with vibrato."
        else:
            # The notes hold exactly for the straight takes (the vibrato takes swing +-40 cents around them).
            meta["notes"] = " | ".join(notes)
            meta["tempo"] = SING_TEMPO
            meta["beats"] = _fmt_times([i * beat for i in range(sum(beats))])
            meta["caption"] = (
                f"A synthetic {gender} voice (espeak-ng) sings '{words}' one word per note on a straight tone, "
                f"at {SING_TEMPO} BPM."
            )
        corpus.add(f"sing-{lid}-{_slug(voice)}{'-vib' if vibrato else ''}", _peak(buf), split, meta)


# --- audio ---------------------------------------------------------------------------------------------------------


def _build_audio(corpus: _Corpus, shared: Path | None) -> None:
    bona = {"spoof": "bonafide"}
    esc_root = shared / "esc50" if shared is not None and (shared / "esc50").is_dir() else SAMPLES / "esc50"
    esc = _scan("esc50", esc_root)
    # ESC-50 windows around the labelled event (found by the clip's energy; dog: a single bark at 2.2-2.6 s).
    esc_windows = {
        "1-100032-A-0": ("train", 1.2, 3.7, "A dog barks once."),
        "2-100648-A-43": ("train", 0.0, 3.0, "A car horn honks."),
        "3-103051-C-19": ("train", 0.5, 3.5, "Sounds of a thunderstorm."),
        "4-156993-A-19": ("train", 0.5, 3.5, "Sounds of a thunderstorm."),
        "5-156999-C-19": ("test", 0.0, 3.0, "Sounds of a thunderstorm."),
    }
    dog = None
    for rid, (split, a, b, caption) in esc_windows.items():
        if rid not in esc:
            continue
        audio = _load(esc_root / esc[rid].audio, a, b)
        if rid == "1-100032-A-0":
            dog = audio
        corpus.add(f"esc50-{rid.lower()}", audio, split, {**bona, "label": esc[rid].meta["label"], "caption": caption})

    # NSynth notes as sound events: the instrument family is the event class (pairs of one class in one split).
    ns = _scan("nsynth", SAMPLES / "nsynth")
    ns_picks = {
        "guitar_acoustic_010-060-100": ("train", "acoustic guitar"),
        "guitar_acoustic_010-060-127": ("train", "acoustic guitar"),
        "mallet_acoustic_062-060-050": ("train", "mallet percussion"),
        "mallet_acoustic_062-060-127": ("test", "mallet percussion"),
        "brass_acoustic_006-060-100": ("train", "brass instrument"),
        "brass_acoustic_015-060-127": ("test", "brass instrument"),
        "reed_acoustic_011-060-050": ("train", "reed instrument"),
        "string_acoustic_014-060-025": ("train", "string instrument"),
    }
    for rid, (split, label) in ns_picks.items():
        audio = _load(SAMPLES / "nsynth" / ns[rid].audio, 0.0, 3.0)
        caption = f"A single {label} note is played."
        corpus.add(f"nsynth-{rid.replace('_', '-')}", audio, split, {**bona, "label": label, "caption": caption})

    # Speech: real read speech (bonafide) and espeak-ng speech (spoof).
    vctk = _scan("vctk", SAMPLES / "vctk")
    for rid, split in (("p301_102", "train"), ("p238_165", "train"), ("p317_166", "test")):
        m = vctk[rid].meta
        caption = f"A {'woman' if m['gender'] == 'female' else 'man'} reads a sentence aloud."
        audio = _load(SAMPLES / "vctk" / vctk[rid].audio)
        corpus.add(f"vctk-{rid.replace('_', '-')}", audio, split, {**bona, "label": "speech", "caption": caption})
    synth = [
        ("s1", "en-us+m3", "train", READ["s1"][0]),
        ("s2", "en-us+f2", "train", READ["s2"][0]),
        ("s3", "en-gb-scotland+m1", "test", READ["s3"][0]),
    ]
    audios = _parallel(_espeak, [(text, voice) for _, voice, _, text in synth])
    for (sid, voice, split, _), audio in zip(synth, audios, strict=True):
        meta = {
            "label": "speech synthesizer",
            "caption": f"{_voice_words(voice)} says a sentence.",
            "spoof": "spoof",
            "vocoder": ESPEAK_VOCODER,
        }
        corpus.add(f"espeak-{sid}-{_slug(voice)}", audio, split, meta)
    # espeak-ng speech laid over a real background: partly fake audio, so a spoof.
    if dog is not None:
        speech = audios[0][: len(dog)]
        mix = dog.copy()
        _place(mix, 0.5 * speech / np.max(np.abs(speech)), 0.0)
        meta = {
            "caption": "A synthetic male voice speaks while a dog barks once.",
            "spoof": "spoof",
            "vocoder": ESPEAK_VOCODER,
        }
        corpus.add("espeak-over-esc50-dog", _peak(mix, 0.9), "train", meta)

    # Clotho (shared only): whole clips (the caption describes all of it); scene from the Freesound title.
    if shared is not None and (shared / "clotho").is_dir():
        clotho = _scan("clotho", shared / "clotho")
        scenes = {"Tenerife_bazaar_2": "bazaar", "02-Bakken_Rollercoaster": "amusement park",
                  "01 barreau bunker original": "bunker"}  # fmt: skip
        for rid, rec in clotho.items():
            split = "test" if rid == "Flipping Pages" else "train"
            labels = {**bona, "caption": rec.meta["caption"], "scene": scenes.get(rid)}
            corpus.add(f"clotho-{_slug(rid)}", _load(shared / "clotho" / rec.audio), split, labels)
