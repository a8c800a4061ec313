"""Typed config: the demo loads; a bad config lists every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from audioflan_ray import config
from audioflan_ray.errors import ConfigError
from tests.conftest import SAMPLES


def test_demo_config_loads_and_resolves_roots_relative_to_the_file() -> None:
    cfg = config.load()
    assert cfg.output.uri == "./out/demo"
    roots = {s.recipe: s.root for s in cfg.sources}
    assert roots["librispeech"] == str(SAMPLES / "librispeech")
    assert cfg.audio.sample_rate.speech == 16000


def test_overrides_and_later_files_win(tmp_path: Path) -> None:
    extra = tmp_path / "more.yaml"
    extra.write_text("output:\n  uri: /tmp/elsewhere\naudio:\n  max_duration_s: 12\n")
    cfg = config.load([str(config.DEMO_CONFIG), str(extra)], ["audio.max_duration_s=20.5", "sources.0.limit=2"])
    assert cfg.output.uri == "/tmp/elsewhere"
    assert cfg.audio.max_duration_s == 20.5
    assert cfg.sources[0].limit == 2


def test_bad_config_lists_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "sources:\n"
        "  - {recipe: no_such_corpus, root: /no/such/root}\n"
        f"  - {{recipe: ljspeech, root: {tmp_path / 'missing'}}}\n"
        f"  - {{recipe: fsdd, root: {SAMPLES / 'fsdd'}, tasks: [Automatic Speech Recognition, Made Up Task]}}\n"
        "output: {uri: /tmp/x, shard_max_bytes: lots}\n"
        "audio: {resampler: magic, bogus: 1}\n"
    )
    with pytest.raises(ConfigError) as err:
        config.load([str(bad)])
    text = "\n".join(err.value.problems)
    assert "shard_max_bytes: expected int" in text
    assert "audio.bogus: unknown key" in text
    assert "audio.resampler: 'magic' is not one of soxr, torchaudio" in text  # enums are types
    # type errors stop before the semantic checks; fix them and the rest are all reported together
    fixed = bad.read_text().replace("shard_max_bytes: lots", "shard_max_bytes: 4096").replace(", bogus: 1", "")
    bad.write_text(fixed.replace("resampler: magic", "max_duration_s: 0.05"))
    with pytest.raises(ConfigError) as err:
        config.load([str(bad)])
    text = "\n".join(err.value.problems)
    for fragment in (
        "unknown recipe 'no_such_corpus'",
        "does not exist",
        "unknown task 'Made Up Task'",
        "audio.max_duration_s",
    ):
        assert fragment in text, fragment
    assert len(err.value.problems) == 4


def test_missing_required_key_and_file() -> None:
    with pytest.raises(ConfigError) as err:
        config.load(["/nonexistent.yaml"])
    assert "not found" in str(err.value)
    with pytest.raises(ConfigError) as err:
        config.load([str(config.DEMO_CONFIG)], ["sources.0.recipe=null"])
    assert "sources[0].recipe" in str(err.value)


def test_manifest_config_carries_no_credentials() -> None:
    cfg = config.load(None, ["storage.endpoint_url=http://user:secret@127.0.0.1:9000"])
    red = config.redacted(cfg)
    assert "secret" not in str(red) and "127.0.0.1:9000" in red["storage"]["endpoint_url"]
