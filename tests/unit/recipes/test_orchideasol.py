"""OrchideaSOL: mirdata's arrangement, mutes and unpitched rows, the fold rule, problems, the layout message."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.corpora.orchideasol import HEADER
from tests.unit.recipes._util import files, problems, recipe, recordings, scan

ROWS = [
    # a muted cello tremolo (the mute follows "+" in the folder and the file name)
    "Strings/Violoncello+sordina/tremolo/Vc+S-trem-A3-mf-1c-N.wav,1,Strings,Violin Family,Vc,Cello,trem,tremolo,A3,"
    "57.0,mf,2.0,0.0,S,Sordina,1.0,FALSE",
    # a two-pitch multiphonic: no single pitch
    "Brass/Bass_Tuba/slap_pitched/BTb-slap-C#1_D#1-mf-N-N.wav,3,Brass,Brass,BTb,Bass Tuba,slap,slap_pitched,C#1_D#1,,"
    "mf,2.0,0.0,N,None,,FALSE",
    "PluckedStrings/Harp/pizzicato_bartok/Hp-pizz_bartok-A#1-ff-N-N.wav,0,PluckedStrings,Plucked Strings,Hp,Harp,"
    "pizz_bartok,pizzicato_bartok,A#1,34.0,ff,4.0,0.0,N,None,,FALSE",
    # bad rows: a technique the vocabulary lacks, a mute it lacks, a fold out of range, a pitch that is no MIDI note
    "Winds/Flute/whistle_tones/Fl-whst_tn-C7-pp-N-N.wav,2,Winds,Woodwinds,Fl,Flute,whst_tn,beatboxing,C7,96.0,pp,"
    "0.0,0.0,N,None,,FALSE",
    "Brass/Trumpet_C+sordina_bucket/ordinario/TpC+SB-ord-A4-mf-N-N.wav,2,Brass,Brass,TpC,Trumpet in C,ord,ordinario,"
    "A4,69.0,mf,2.0,0.0,SB,Bucket,,FALSE",
    "Winds/Oboe/ordinario/Ob-ord-C4-mf-N-N.wav,5,Winds,Woodwinds,Ob,Oboe,ord,ordinario,C4,60.0,mf,2.0,0.0,N,None,,FALSE",
    "Winds/Oboe/ordinario/Ob-ord-D4-mf-N-N.wav,2,Winds,Woodwinds,Ob,Oboe,ord,ordinario,D4,62.5,mf,2.0,0.0,N,None,,FALSE",
    # listed without audio
    "Winds/Oboe/vibrato/Ob-vib-E4-mf-N-N.wav,4,Winds,Woodwinds,Ob,Oboe,vib,vibrato,E4,64.0,mf,2.0,0.0,N,None,,FALSE",
]


def corpus(root: Path, audio: str, csv_at: str) -> Path:
    wavs = [row.split(",")[0] for row in ROWS[:5]] + ["Winds/Oboe/ordinario/Ob-ord-F4-mf-N-N.wav"]
    text = "\r\n".join([HEADER, *ROWS]) + "\r\n"
    return files(root, {csv_at: text, **{f"{audio}/{w}" if audio else w: b"RIFF" for w in wavs}})


def test_mirdata_arrangement_mutes_unpitched_folds_and_problems(tmp_path: Path) -> None:
    items = scan("orchideasol", corpus(tmp_path, "audio", "annotation/OrchideaSOL_metadata.csv"))
    recs = recordings(items)
    assert sorted(recs) == ["BTb-slap-C#1_D#1-mf-N-N", "Hp-pizz_bartok-A#1-ff-N-N", "Vc+S-trem-A3-mf-1c-N"]
    cello = recs["Vc+S-trem-A3-mf-1c-N"]
    assert cello.audio == "audio/Strings/Violoncello+sordina/tremolo/Vc+S-trem-A3-mf-1c-N.wav"
    assert (cello.split, cello.meta) == (
        "dev",
        {
            "instrument": "cello",
            "instrument_family": "string",
            "technique": "tremolo with mute",
            "pitch": 57,
            "fold": 1,
        },
    )
    tuba = recs["BTb-slap-C#1_D#1-mf-N-N"]
    assert tuba.split == "train" and "pitch" not in tuba.meta and tuba.meta["technique"] == "pitched slap"
    harp = recs["Hp-pizz_bartok-A#1-ff-N-N"]
    assert harp.split == "test" and harp.meta["instrument_family"] == "plucked string"
    assert harp.meta["technique"] == "Bartók pizzicato"
    where = "annotation/OrchideaSOL_metadata.csv"
    assert sorted(problems(items)) == [
        (f"{where}:5", "bad_label"),
        (f"{where}:6", "bad_label"),
        (f"{where}:7", "bad_metadata"),
        (f"{where}:8", "bad_metadata"),
        ("audio/Winds/Oboe/ordinario/Ob-ord-F4-mf-N-N.wav", "missing_label"),
        ("audio/Winds/Oboe/vibrato/Ob-vib-E4-mf-N-N.wav", "missing_audio"),
    ]


def test_release_folder_and_zenodo_csv_at_the_root(tmp_path: Path) -> None:
    root = corpus(tmp_path, "_OrchideaSOL2020_release/OrchideaSOL2020", "OrchideaSOL_metadata.csv")
    recs = recordings(scan("orchideasol", root))
    assert recs["Hp-pizz_bartok-A#1-ff-N-N"].audio.startswith(
        "_OrchideaSOL2020_release/OrchideaSOL2020/PluckedStrings/"
    )
    assert recipe("orchideasol", root).check_layout() == []


def test_every_technique_and_instrument_of_the_release_is_known() -> None:
    from audioflan_ray import vocab
    from audioflan_ray.recipes.orchideasol import _INSTRUMENTS

    # the 52 ``Technique (in full)`` spellings of OrchideaSOL_metadata.csv
    release = [
        "aeolian",
        "aeolian_and_ordinario",
        "artificial_harmonic",
        "artificial_harmonic_tremolo",
        "behind_the_bridge",
        "behind_the_fingerboard",
        "behind_the_frog",
        "bisbigliando",
        "bisbigliando_with_stick",
        "blow",
        "blow_without_reed",
        "brassy",
        "breath",
        "cluster",
        "cluster_with_nail",
        "col_legno_battuto",
        "col_legno_tratto",
        "combination_of_registers",
        "damped",
        "discolored_fingering",
        "double_tonguing",
        "flatterzunge",
        "flatterzunge_closed",
        "flatterzunge_high_register",
        "flatterzunge_no_mouthpiece",
        "flatterzunge_open",
        "flatterzunge_stopped",
        "growl",
        "harmonic_fingering",
        "jet_whistle",
        "key_click",
        "kiss",
        "ordinario",
        "ordinario_closed",
        "ordinario_high_register",
        "ordinario_open",
        "pedal_tone",
        "pizzicato_bartok",
        "pizzicato_l_vib",
        "pizzicato_secco",
        "sforzato",
        "single_tonguing",
        "slap_pitched",
        "slap_unpitched",
        "stopped",
        "sul_ponticello",
        "sul_ponticello_tremolo",
        "sul_tasto_tremolo",
        "tremolo",
        "tremolo_with_fingertips",
        "vibrato",
        "whistle_tones",
    ]
    assert len(release) == 52
    words = [vocab.technique(t) for t in release]
    assert len(set(words)) == 52 and all("_" not in w for w in words)
    instruments = "Accordion|Alto Saxophone|Bass Tuba|Bassoon|Cello|Clarinet in Bb|Contrabass|Flute|French Horn|Guitar"
    instruments += "|Harp|Oboe|Trombone|Trumpet in C|Viola|Violin"
    assert {vocab.words(i) for i in instruments.split("|")} == _INSTRUMENTS


def test_check_layout_names_the_metadata_csv(tmp_path: Path) -> None:
    (msg,) = recipe("orchideasol", tmp_path).check_layout()
    assert "OrchideaSOL_metadata.csv" in msg and str(tmp_path) in msg
