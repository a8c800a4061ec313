"""Content answers and not-fed counts through the build's stages (no Ray) on real recordings: speech presence and the
content class agree with silero-vad run again on the audio that landed in the instance; a recording that cannot make
an honest pair is counted in stats.json not_fed under its reason, not quarantined."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from audioflan_ray import config
from audioflan_ray.audio import content, ops
from tests.conftest import SAMPLES
from tests.pipeline_util import build, samples

SNSD, SSMN = "Speech Nonspeech Detection", "Speech/Silence/Music/Noise Classification"
RATE = 16000


def _build(uri: Path, sources: str, tasks: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    cfg = config.load(
        None,
        [f"output.uri={uri}", f"sources={sources}", "audio.simulate.noise=null", f"build.tasks=[{', '.join(tasks)}]"],
    )
    build(cfg)
    found = [{**rec, "_members": members} for rec, members in samples(uri)]
    return found, json.loads((uri / "stats.json").read_text())


def test_speech_answers_follow_the_vad_on_the_built_audio(tmp_path: Path) -> None:
    srcs = ", ".join(
        f"{{recipe: {n}, root: {SAMPLES / n}, limit: 4}}"
        for n in ("librispeech", "ljspeech", "fsdd", "esc50", "nsynth")
    )
    samples, _ = _build(tmp_path / "out", f"[{srcs}]", [SNSD, SSMN])
    answers: dict[tuple[str, str], dict[str, str]] = {}
    for s in samples:
        minor, q = s["task_type"]["minor"][0], s["other"]["quality"]
        audio, rate = sf.read(io.BytesIO(s["_members"]["input.flac"]), dtype="float32")
        again = content.measure(audio, rate)  # the VAD run again on what the instance holds
        speech = content.has_speech(again)
        assert speech == content.has_speech(content.Content.from_json(q)), s["uuid"]
        dataset = s["other"]["dataset"]
        if minor == SNSD:
            assert s["output"] == ("Yes, it contains speech." if speech else "No, it contains no speech."), s["uuid"]
        else:
            domain = {"esc50": "audio", "nsynth": "music"}.get(dataset, "speech")
            assert s["output"].endswith(content.content_class(again, domain)), s["uuid"]
        answers.setdefault((dataset, s["other"]["recording_id"]), {})[minor] = s["output"]
    by_dataset: dict[str, set[bool]] = {}
    for (dataset, _), pair in answers.items():
        if SNSD in pair:  # the two answers agree: the class speech comes with speech, no speech with any other
            assert pair[SNSD].startswith("Yes") == pair[SSMN].endswith("speech"), pair
            by_dataset.setdefault(dataset, set()).add(pair[SNSD].startswith("Yes"))
    assert by_dataset == {"librispeech": {True}, "ljspeech": {True}, "fsdd": {True}, "esc50": {False}}
    assert {a[SSMN].split()[-1] for (d, _), a in answers.items() if d == "nsynth"} == {"music"}


def test_a_recording_that_cannot_make_a_pair_is_counted_not_fed(tmp_path: Path) -> None:
    speech, rate = sf.read(SAMPLES / "librispeech/LibriSpeech/test-clean/1089/134686/1089-134686-0001.flac")
    narrow = ops.resample(ops.resample(speech.astype(np.float32), rate, 3000), 3000, rate)  # nothing above 1.5 kHz
    sparse = np.concatenate([speech[: rate // 2], np.zeros(6 * rate)])  # half a second of speech, then silence
    root = tmp_path / "corpus"
    root.mkdir()
    lines = []
    for rid, x in (("narrow", narrow), ("sparse", sparse), ("speech", speech)):
        sf.write(root / f"{rid}.wav", x, rate)
        lines.append(json.dumps({"recording_id": rid, "audio": f"{rid}.wav", "split": "train"}))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    src = f"[{{recipe: manifest, root: {root}, options: {{domain: speech}}}}]"
    samples, stats = _build(tmp_path / "out", src, ["Speech Bandwidth Extension", "Declipping"])
    built = {(s["task_type"]["minor"][0], s["other"]["recording_id"]) for s in samples}
    assert ("Speech Bandwidth Extension", "speech") in built and ("Declipping", "speech") in built
    assert stats["not_fed"]["Speech Bandwidth Extension"] == {
        "no energy above the cutoff": 1,
        "mostly silent built audio": 1,
    }
    assert stats["not_fed"]["Declipping"] == {"mostly silent built audio": 1}
    assert stats["errors"]["total"] == 0
