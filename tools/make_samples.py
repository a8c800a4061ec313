"""Rebuild ``audioflan_ray/demo/samples/`` (the bundled samples) from the staged public corpora
(``../shared/corpora``), deterministically.

Only redistributable corpora are sampled (see ``NOTICE``); each sample keeps its corpus's native layout, so that
``samples/<name>`` is a valid recipe root. Audio files are copied byte for byte; index files are row subsets of the
originals (bytes of the kept lines unchanged, line endings included), except NSynth's ``examples.json``, which is
re-serialized as the original is (JSON, indent 4, original key order, no final newline).

Usage: ``python tools/make_samples.py [--corpora DIR]`` (default: ``<repo>/../shared/corpora``).
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "audioflan_ray" / "demo" / "samples"
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"

CV_RELEASE = "cv-corpus-6.1-2020-12-11"
CV_LOCALES = ("en", "zh-CN")
CV_ROWS = 15
LJ_CLIPS = 12
FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
FSDD_TAKES = (0, 5)  # one test take (0-4) and one train take (5-49) per speaker and digit
ESC50_CLIP = "1-100032-A-0.wav"  # the only ESC-10 (CC BY) clip staged; the others are CC BY-NC
NSYNTH_NOTES = 16
CREMA_D_TABLES = ("SentenceFilenames.csv", "processedResults/summaryTable.csv")  # one row per clip


def copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def head_lines(src: Path, dst: Path, keep: Callable[[int, bytes], bool]) -> list[bytes]:
    """Write the lines of ``src`` for which ``keep(index, line)`` holds, bytes unchanged; return them."""
    lines = [line for i, line in enumerate(src.read_bytes().splitlines(keepends=True)) if keep(i, line)]
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(b"".join(lines))
    return lines


def librispeech(src: Path, dst: Path) -> None:
    for path in sorted((src / "LibriSpeech").rglob("*")):
        if path.is_file():
            copy(path, dst / path.relative_to(src))


def ljspeech(src: Path, dst: Path) -> None:
    base = "LJSpeech-1.1"
    copy(src / base / "README", dst / base / "README")
    wavs = sorted((src / base / "wavs").glob("*.wav"))[:LJ_CLIPS]
    ids = {w.stem.encode() for w in wavs}
    rows = head_lines(src / base / "metadata.csv", dst / base / "metadata.csv", lambda i, line: i < LJ_CLIPS)
    if {row.split(b"|", 1)[0] for row in rows} != ids:
        raise SystemExit("ljspeech: the first metadata.csv rows do not match the first wavs")
    for wav in wavs:
        copy(wav, dst / base / "wavs" / wav.name)


def vctk(src: Path, dst: Path) -> None:
    for path in sorted((src / "VCTK-Corpus").rglob("*")):
        if path.is_file():
            copy(path, dst / path.relative_to(src))


def common_voice(src: Path, dst: Path) -> None:
    for locale in CV_LOCALES:
        rel = Path(CV_RELEASE) / locale
        rows = head_lines(src / rel / "validated.tsv", dst / rel / "validated.tsv", lambda i, line: i <= CV_ROWS)
        for row in rows[1:]:
            clip = row.decode().split("\t")[1]
            copy(src / rel / "clips" / clip, dst / rel / "clips" / clip)


def fsdd(src: Path, dst: Path) -> None:
    for speaker in FSDD_SPEAKERS:
        for digit in range(10):
            for take in FSDD_TAKES:
                name = f"{digit}_{speaker}_{take}.wav"
                copy(src / "recordings" / name, dst / "recordings" / name)


def esc50(src: Path, dst: Path) -> None:
    csv = "meta/esc50.csv"
    rows = head_lines(src / csv, dst / csv, lambda i, line: i == 0 or line.startswith(f"{ESC50_CLIP},".encode()))
    if len(rows) != 2:
        raise SystemExit(f"esc50: expected one row for {ESC50_CLIP}")
    copy(src / "audio" / ESC50_CLIP, dst / "audio" / ESC50_CLIP)


def pick_notes(examples: dict[str, Any], count: int) -> list[str]:
    """Round-robin over instrument families (sorted), each family's notes in sorted order: many families first."""
    by_family: dict[str, list[str]] = {}
    for note in sorted(examples):
        by_family.setdefault(examples[note]["instrument_family_str"], []).append(note)
    picked: list[str] = []
    while len(picked) < count and any(by_family.values()):
        for family in sorted(by_family):
            if by_family[family] and len(picked) < count:
                picked.append(by_family[family].pop(0))
    return picked


def nsynth(src: Path, dst: Path) -> None:
    base = "nsynth-test"
    examples = json.loads((src / base / "examples.json").read_text(encoding="utf-8"))
    keep = set(pick_notes(examples, NSYNTH_NOTES))
    subset = {note: entry for note, entry in examples.items() if note in keep}
    (dst / base).mkdir(parents=True, exist_ok=True)
    (dst / base / "examples.json").write_text(json.dumps(subset, indent=4), encoding="utf-8")
    for note in sorted(keep):
        copy(src / base / "audio" / f"{note}.wav", dst / base / "audio" / f"{note}.wav")


def crema_d(src: Path, dst: Path) -> None:
    """Every staged clip, the two per-clip tables cut to their rows, the actor table and licence whole."""
    clips = sorted((src / "AudioWAV").glob("*.wav"))
    names = {f'"{wav.stem}"'.encode() for wav in clips}
    for table in CREMA_D_TABLES:
        # Rows quote the clip name as a whole cell ("1001_IEO_NEU_XX"), so a substring test is exact.
        rows = head_lines(src / table, dst / table, lambda i, line: i == 0 or any(n in line for n in names))
        if len(rows) != len(clips) + 1:
            raise SystemExit(f"crema_d: {table} does not hold exactly one row per staged clip")
    for name in ("VideoDemographics.csv", "LICENSE.txt"):
        copy(src / name, dst / name)
    for wav in clips:
        copy(wav, dst / "AudioWAV" / wav.name)


def audiomnist(src: Path, dst: Path) -> None:
    """Copied whole: 6 clips and the full speaker metadata (60 speakers)."""
    for path in sorted((src / "data").rglob("*")):
        if path.is_file():
            copy(path, dst / path.relative_to(src))


BUILDERS: dict[str, Callable[[Path, Path], None]] = {
    "librispeech": librispeech,
    "ljspeech": ljspeech,
    "vctk": vctk,
    "common_voice": common_voice,
    "fsdd": fsdd,
    "esc50": esc50,
    "nsynth": nsynth,
    "crema_d": crema_d,
    "audiomnist": audiomnist,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA, help="the staged corpora folder")
    args = parser.parse_args()
    for name, build in BUILDERS.items():
        dst = HERE / name
        if dst.exists():
            shutil.rmtree(dst)
        build(args.corpora / name, dst)
        files = sorted(p for p in dst.rglob("*") if p.is_file())
        print(f"{name}: {len(files)} files, {sum(p.stat().st_size for p in files):,} bytes")


if __name__ == "__main__":
    main()
