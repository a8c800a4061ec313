"""TinySOL: the Zenodo arrangement (CSV beside the family folders), the newer header, fold rule, problems."""

from __future__ import annotations

from pathlib import Path

from audioflan_ray.recipes.base import Problem, Recording, registry
from audioflan_ray.storage import Root

HEADER = (
    "Path,Fold,Family,Instrument (abbr.),Instrument (in full),Technique (abbr.),Technique (in full),Pitch,Pitch ID,"
    "Dynamics,Dynamics ID,Resampled,String ID\n"
)


def _wav(root: Path, rel: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(b"RIFF")


def test_zenodo_arrangement_newer_header_folds_and_problems(tmp_path: Path) -> None:
    rows = [
        "Brass/Trumpet in C/ordinario/TpC-ord-C5-ff-N-N.wav,1,Brass,TpC,Trumpet in C,ord,ordinario,C5,72,ff,4,FALSE,",
        "Keyboards/Accordion/ordinario/Acc-ord-A3-pp-N-N.wav,3,Keyboards,Acc,Accordion,ord,ordinario,A3,57,pp,0,,",
        "Strings/Violin/pizzicato/Vn-pizz-A4-mf-1c-N.wav,2,Strings,Vn,Violin,pizz,pizzicato-secco,A4,69,mf,2,,1",
        "Winds/Oboe/ordinario/Ob-ord-C4-mf-N-N.wav,7,Winds,Ob,Oboe,ord,ordinario,C4,60,mf,2,,",
        "Winds/Oboe/ordinario/Ob-ord-D4-mf-N-N.wav,0,Winds,Ob,Oboe,ord,ordinario,D4,62,mf,2,,",
    ]
    (tmp_path / "TinySOL_metadata.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    for rel in [r.split(",")[0] for r in rows[:3]] + ["Winds/Oboe/ordinario/Ob-ord-E4-mf-N-N.wav"]:
        _wav(tmp_path, rel)
    items = list(registry()["tinysol"](Root(str(tmp_path))).scan())
    recs = {r.recording_id: r for r in items if isinstance(r, Recording)}
    assert recs["TpC-ord-C5-ff-N-N"].split == "dev" and recs["Acc-ord-A3-pp-N-N"].split == "train"
    assert recs["TpC-ord-C5-ff-N-N"].meta == {
        "instrument": "trumpet in c",
        "instrument_family": "brass",
        "technique": "ordinario",
        "pitch": 72,
        "fold": 1,
    }
    assert recs["Acc-ord-A3-pp-N-N"].meta["instrument_family"] == "keyboard"
    assert sorted((p.path, p.reason) for p in items if isinstance(p, Problem)) == [
        ("TinySOL_metadata.csv:4", "bad_label"),
        ("TinySOL_metadata.csv:5", "bad_metadata"),
        ("Winds/Oboe/ordinario/Ob-ord-D4-mf-N-N.wav", "missing_audio"),
        ("Winds/Oboe/ordinario/Ob-ord-E4-mf-N-N.wav", "missing_label"),
    ]


def test_check_layout_names_the_metadata_csv(tmp_path: Path) -> None:
    (msg,) = registry()["tinysol"](Root(str(tmp_path))).check_layout()
    assert "TinySOL_metadata.csv" in msg


def test_rows_outside_the_known_values_are_bad_labels(tmp_path: Path) -> None:
    """``values`` promises 14 instruments and ordinario only: a pizzicato or an unknown instrument is reported."""
    rows = [
        "Strings/Violin/pizzicato/Vn-pizz-A4-mf-1c-N.wav,2,Strings,Vn,Violin,pizz,pizzicato-secco,A4,69,mf,2,,1",
        "Winds/Piccolo/ordinario/Pic-ord-A5-mf-N-N.wav,2,Winds,Pic,Piccolo,ord,ordinario,A5,81,mf,2,,",
        "Strings/Violoncello/ordinario/Vc-ord-C3-mf-4c-N.wav,2,Strings,Vc,Violoncello,ord,ordinario,C3,48,mf,2,,4",
    ]
    (tmp_path / "TinySOL_metadata.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    for row in rows:
        _wav(tmp_path, row.split(",")[0])
    recipe = registry()["tinysol"](Root(str(tmp_path)))
    items = list(recipe.scan())
    bad = {p.path: p.message for p in items if isinstance(p, Problem)}
    assert "ordinario" in bad["TinySOL_metadata.csv:2"] and "piccolo" in bad["TinySOL_metadata.csv:3"]
    (cello,) = [r for r in items if isinstance(r, Recording)]
    assert cello.meta["instrument"] in recipe.values["instrument"] and cello.meta["technique"] == "ordinario"
