"""Offline validation of the Kubernetes manifests under k8s/.

* Core kinds (ServiceAccount, Role, RoleBinding, ConfigMap, Secret, CronJob) are validated with
  ``kubernetes-validate`` in strict mode (unknown fields rejected) against the Kubernetes schemas it ships.
* KubeRay kinds (RayJob, RayCronJob, RayCluster) are validated with ``jsonschema`` against the v1 schema of the
  KubeRay v1.7.0 CRDs in ``../shared/kuberay/crds``, made strict: ``additionalProperties: false`` is added to every
  object schema that lists ``properties`` and leaves extra fields open by neither ``additionalProperties`` nor
  ``x-kubernetes-preserve-unknown-fields``. The API server would silently PRUNE a misspelled field of a CRD object
  (the object is accepted, the setting is lost); strict validation turns that into a test failure. The top-level
  ``metadata`` (``type: object`` without properties in the CRDs) stays open; CEL rules
  (``x-kubernetes-validations``) are not evaluated here.
* The RayJob template that the nightly CronJob keeps in its ConfigMap is rendered and validated like a manifest.
* Policy checks: rayVersion == the Ray version of the images, requests+limits and a restricted securityContext on
  every container, GPU group shape, no literal credentials, CronJob concurrency, identical cluster specs.
* The nightly launcher script runs against a stub ``kubectl`` (idempotent create, waiting, exit codes).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

try:
    import jsonschema
except ImportError:  # pragma: no cover - the skip markers below say what to install
    jsonschema = None
try:
    import kubernetes_validate
except ImportError:  # pragma: no cover
    kubernetes_validate = None

REPO = Path(__file__).resolve().parents[2]
K8S_DIR = REPO / "k8s"
DOCKER_DIR = REPO / "docker"
CRD_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "kuberay" / "crds"
CRD_FILES = {
    "RayCluster": "ray.io_rayclusters.yaml",
    "RayJob": "ray.io_rayjobs.yaml",
    "RayCronJob": "ray.io_raycronjobs.yaml",
}
CORE_KINDS = {"ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "CronJob"}
K8S_VERSION = "1.31.0"  # kubernetes-validate 1.37 ships schemas for 1.25 ... 1.37
SECRET_NAME = "audioflan-s3"
TEMPLATE_VALUES = {"RAYJOB_NAME": "audioflan-nightly-20261126", "NIGHTLY_DATE": "2026-11-26"}
CREDENTIAL_NAME = re.compile(r"AWS_|KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

pytestmark = pytest.mark.integration

_crds_missing = (
    f"KubeRay CRDs not found at {CRD_DIR} (expected ../shared/kuberay/crds beside the repository)"
    if not CRD_DIR.is_dir()
    else "jsonschema is not installed (pip install jsonschema)"
    if jsonschema is None
    else ""
)
requires_crds = pytest.mark.skipif(bool(_crds_missing), reason=_crds_missing or "-")
requires_kubernetes_validate = pytest.mark.skipif(
    kubernetes_validate is None, reason="kubernetes-validate is not installed (pip install kubernetes-validate)"
)


# ---------------------------------------------------------------------------------------------------------------
# Loading


class Doc:
    """One Kubernetes object: a YAML document of a file under k8s/, or a manifest embedded in a ConfigMap."""

    def __init__(self, source: str, body: dict[str, Any]):
        self.source = source
        self.body = body

    @property
    def kind(self) -> str:
        return self.body.get("kind", "?")

    @property
    def name(self) -> str:
        return self.body.get("metadata", {}).get("name", "?")

    def __repr__(self) -> str:
        return f"{self.source}:{self.kind}/{self.name}"


def render_template(text: str, values: dict[str, str] = TEMPLATE_VALUES) -> str:
    for key, value in values.items():
        text = text.replace("${" + key + "}", value)
    assert "${" not in text, f"unfilled placeholder left in template: {re.findall(r'[$][{][^}]*[}]', text)}"
    return text


@functools.cache
def file_docs() -> tuple[Doc, ...]:
    docs = []
    for path in sorted(K8S_DIR.glob("*.y*ml")):
        for index, body in enumerate(yaml.load_all(path.read_text(), Loader=_Loader)):
            if body is not None:
                docs.append(Doc(f"{path.name}#{index}", body))
    return tuple(docs)


@functools.cache
def embedded_docs() -> tuple[Doc, ...]:
    """Manifests kept as YAML text in ConfigMaps (the nightly RayJob template), rendered with sample values."""
    docs = []
    for doc in file_docs():
        if doc.kind != "ConfigMap":
            continue
        for key, text in (doc.body.get("data") or {}).items():
            if key.endswith((".yaml", ".yml")):
                body = yaml.load(render_template(text), Loader=_Loader)
                docs.append(Doc(f"{doc.source}[{key}]", body))
    return tuple(docs)


def all_docs() -> tuple[Doc, ...]:
    return file_docs() + embedded_docs()


def docs_of(kind: str, docs: tuple[Doc, ...] | None = None) -> list[Doc]:
    return [d for d in (all_docs() if docs is None else docs) if d.kind == kind]


def the(kind: str) -> Doc:
    found = docs_of(kind, file_docs())
    assert len(found) == 1, f"expected exactly one {kind} in k8s/, found {found}"
    return found[0]


def rayjob_specs() -> list[tuple[str, dict[str, Any]]]:
    """Every RayJob spec: RayJob objects (files and the ConfigMap template) and RayCronJob job templates."""
    specs = [(repr(d), d.body["spec"]) for d in docs_of("RayJob")]
    specs += [(repr(d) + ".jobTemplate", d.body["spec"]["jobTemplate"]) for d in docs_of("RayCronJob")]
    return specs


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}[{i}]")


def pod_specs(doc: Doc) -> list[tuple[str, dict[str, Any]]]:
    return [(p, n) for p, n in walk(doc.body) if isinstance(n, dict) and isinstance(n.get("containers"), list)]


# ---------------------------------------------------------------------------------------------------------------
# Validators


@functools.cache
def crd_schema(kind: str) -> dict[str, Any]:
    crd = yaml.load((CRD_DIR / CRD_FILES[kind]).read_text(), Loader=_Loader)
    assert crd["spec"]["names"]["kind"] == kind
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    return version["schema"]["openAPIV3Schema"]


def strict(schema: Any) -> Any:
    """Copy of a CRD schema where every object schema listing ``properties`` rejects unknown fields."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "properties":
            out[key] = {name: strict(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not", "anyOf", "allOf", "oneOf"):
            out[key] = strict(value)  # strict() passes booleans through and maps over lists
        else:
            out[key] = value
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_validator(kind: str, strict_mode: bool = True) -> Any:
    schema = crd_schema(kind)
    schema = strict(schema) if strict_mode else schema
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return cls(schema)


def crd_errors(body: dict[str, Any], strict_mode: bool = True) -> list[str]:
    errors = crd_validator(body["kind"], strict_mode).iter_errors(body)
    return sorted(f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors)


def core_errors(body: dict[str, Any]) -> list[str]:
    try:
        kubernetes_validate.validate(body, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{'.'.join(map(str, e.path)) or '<root>'}: {e.message}"]
    return []


# ---------------------------------------------------------------------------------------------------------------
# Schema validation


def test_manifests_exist_and_every_kind_is_validated() -> None:
    names = {p.name for p in K8S_DIR.glob("*.yaml")}
    assert {"rayjob-build.yaml", "raycronjob-nightly.yaml", "cronjob-nightly.yaml", "secret-example.yaml"} <= names
    for doc in all_docs():
        assert doc.kind in CORE_KINDS | set(CRD_FILES), f"{doc}: no validator for kind {doc.kind}"
        assert doc.body.get("apiVersion"), f"{doc}: no apiVersion"
        assert "namespace" not in doc.body.get("metadata", {}), f"{doc}: namespaces are given with kubectl -n"
    assert docs_of("RayJob", embedded_docs()), "the nightly ConfigMap should hold the RayJob template"


@requires_kubernetes_validate
@pytest.mark.parametrize("doc", [d for d in all_docs() if d.kind in CORE_KINDS], ids=repr)
def test_core_kinds_validate_strictly(doc: Doc) -> None:
    assert core_errors(doc.body) == [], f"{doc} does not validate against Kubernetes {K8S_VERSION} (strict)"


@requires_crds
@pytest.mark.parametrize("doc", [d for d in all_docs() if d.kind in CRD_FILES], ids=repr)
def test_kuberay_kinds_validate_against_crds(doc: Doc) -> None:
    assert doc.body["apiVersion"] == "ray.io/v1", f"{doc}: use the stored CRD version ray.io/v1"
    assert crd_errors(doc.body) == [], f"{doc} does not validate against the KubeRay v1.7.0 CRD (strict)"


@requires_crds
def test_strict_crd_validation_catches_a_misspelled_field() -> None:
    bad = copy.deepcopy(the("RayJob").body)
    bad["spec"]["entrypiont"] = bad["spec"].pop("entrypoint")
    errors = crd_errors(bad)
    assert any("entrypiont" in e for e in errors), errors
    # ... which the CRD as published would let through (and the API server would prune): hence strict().
    assert crd_errors(bad, strict_mode=False) == []


@requires_crds
def test_strict_crd_validation_catches_a_misspelled_field_deep_in_a_pod_template() -> None:
    bad = copy.deepcopy(the("RayJob").body)
    container = bad["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]
    container["securityContext"]["runAsNonroot"] = container["securityContext"].pop("runAsNonRoot")
    assert any("runAsNonroot" in e for e in crd_errors(bad))


@requires_crds
@pytest.mark.parametrize(
    ("where", "value"),
    [("minReplicas", "one"), ("rayVersion", 2.6), ("shutdownAfterJobFinishes", "yes"), ("replicas", 1.5)],
)
def test_crd_validation_catches_wrong_types(where: str, value: Any) -> None:
    bad = copy.deepcopy(the("RayJob").body)
    spec = bad["spec"]
    target = {
        "minReplicas": spec["rayClusterSpec"]["workerGroupSpecs"][0],
        "replicas": spec["rayClusterSpec"]["workerGroupSpecs"][0],
        "rayVersion": spec["rayClusterSpec"],
        "shutdownAfterJobFinishes": spec,
    }[where]
    target[where] = value
    assert any(e.split(":")[0].endswith(where) for e in crd_errors(bad)), crd_errors(bad)


@requires_crds
def test_raycronjob_job_template_is_a_rayjob_spec_not_a_batch_style_template() -> None:
    """KubeRay's RayCronJob.spec.jobTemplate IS a RayJobSpec; {metadata, spec} as in batch/v1 CronJob is wrong."""
    good = the("RayCronJob").body
    batch_style = copy.deepcopy(good)
    batch_style["spec"]["jobTemplate"] = {"spec": batch_style["spec"]["jobTemplate"]}
    assert any(e.startswith("spec.jobTemplate") for e in crd_errors(batch_style))
    no_such_field = copy.deepcopy(good)
    no_such_field["spec"]["concurrencyPolicy"] = "Forbid"  # RayCronJob (v1.7.0) has none
    assert any("concurrencyPolicy" in e for e in crd_errors(no_such_field))


@requires_kubernetes_validate
def test_core_validation_catches_a_misspelled_field_in_the_cronjob() -> None:
    bad = copy.deepcopy(the("CronJob").body)
    bad["spec"]["concurrencyPolicyy"] = bad["spec"].pop("concurrencyPolicy")
    assert any("concurrencyPolicyy" in e for e in core_errors(bad)), core_errors(bad)
    deep = copy.deepcopy(the("CronJob").body)
    pod = deep["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    pod["restartPolcy"] = pod.pop("restartPolicy")
    assert any("restartPolcy" in e for e in core_errors(deep)), core_errors(deep)


@requires_kubernetes_validate
def test_core_validation_catches_a_wrong_type_in_the_cronjob() -> None:
    bad = copy.deepcopy(the("CronJob").body)
    bad["spec"]["startingDeadlineSeconds"] = "an hour"
    assert core_errors(bad) != []


# ---------------------------------------------------------------------------------------------------------------
# Policy


def dockerfile_ray_versions() -> dict[str, str]:
    versions = {}
    for path in sorted(DOCKER_DIR.glob("Dockerfile.*")):
        tags = re.findall(r"^FROM\s+(?:--platform=\S+\s+)?rayproject/ray:(\S+)", path.read_text(), re.MULTILINE)
        assert len(tags) == 1, f"{path.name}: expected one FROM rayproject/ray:<tag>, found {tags}"
        match = re.match(r"(\d+\.\d+\.\d+)-py\d+-", tags[0])
        assert match, f"{path.name}: cannot read the Ray version from tag {tags[0]!r}"
        versions[path.name] = match.group(1)
    assert set(versions) >= {"Dockerfile.cpu", "Dockerfile.gpu"}, versions
    return versions


def test_ray_version_matches_the_images() -> None:
    versions = set(dockerfile_ray_versions().values())
    assert len(versions) == 1, f"the Dockerfiles disagree on the Ray version: {dockerfile_ray_versions()}"
    (ray_version,) = versions
    specs = rayjob_specs()
    assert len(specs) >= 3
    for where, spec in specs:
        assert spec["rayClusterSpec"]["rayVersion"] == ray_version, f"{where}: rayVersion != image Ray {ray_version}"


def test_images_are_the_project_images_with_the_dockerfiles_version() -> None:
    label = re.search(r'org\.opencontainers\.image\.version="([^"]+)"', (DOCKER_DIR / "Dockerfile.cpu").read_text())
    assert label, "Dockerfile.cpu has no org.opencontainers.image.version label"
    allowed = {f"ghcr.io/audioflan/audioflan-ray:{label.group(1)}-{flavour}" for flavour in ("cpu", "gpu")}
    for where, spec in rayjob_specs():
        for path, pod in walk(spec):
            if isinstance(pod, dict) and isinstance(pod.get("containers"), list):
                for c in pod["containers"]:
                    assert c["image"] in allowed, f"{where}{path}: image {c['image']} is not one of {allowed}"


def test_every_container_has_resources_and_a_restricted_security_context() -> None:
    checked = 0
    for doc in all_docs():
        for path, pod in pod_specs(doc):
            psc = pod.get("securityContext") or {}
            assert psc.get("runAsNonRoot") is True, f"{doc}{path}: pod securityContext.runAsNonRoot must be true"
            assert (psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault", f"{doc}{path}: seccomp"
            for c in pod.get("initContainers", []) + pod["containers"]:
                where = f"{doc}{path} container {c.get('name')}"
                res = c.get("resources") or {}
                for part in ("requests", "limits"):
                    assert {"cpu", "memory"} <= set(res.get(part) or {}), f"{where}: needs cpu+memory {part}"
                sc = c.get("securityContext") or {}
                assert sc.get("runAsNonRoot") is True, f"{where}: runAsNonRoot must be true"
                assert sc.get("runAsUser", psc.get("runAsUser")) not in (None, 0), f"{where}: runAsUser must be set"
                assert sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation false"
                assert "ALL" in (sc.get("capabilities") or {}).get("drop", []), f"{where}: capabilities drop ALL"
                assert not sc.get("privileged"), f"{where}: privileged"
                checked += 1
    # 3 RayJob specs x (submitter + head + 2 worker groups) + the nightly launcher
    assert checked >= 13, checked


def test_autoscaler_sidecar_has_resources_and_security_context() -> None:
    for where, spec in rayjob_specs():
        cluster = spec["rayClusterSpec"]
        if not cluster.get("enableInTreeAutoscaling"):
            continue
        opts = cluster.get("autoscalerOptions") or {}
        for part in ("requests", "limits"):
            assert {"cpu", "memory"} <= set((opts.get("resources") or {}).get(part) or {}), f"{where}: autoscaler"
        sc = opts.get("securityContext") or {}
        assert sc.get("runAsNonRoot") is True and sc.get("allowPrivilegeEscalation") is False, where


def test_gpu_worker_group() -> None:
    for where, spec in rayjob_specs():
        groups = spec["rayClusterSpec"]["workerGroupSpecs"]
        gpu = [g for g in groups if "nvidia.com/gpu" in g["template"]["spec"]["containers"][0]["resources"]["limits"]]
        cpu = [g for g in groups if g not in gpu]
        assert len(gpu) == 1 and len(cpu) >= 1, f"{where}: want one GPU group and a CPU group"
        (g,) = gpu
        res = g["template"]["spec"]["containers"][0]["resources"]
        assert int(res["requests"]["nvidia.com/gpu"]) >= 1, f"{where}: GPU group must request nvidia.com/gpu"
        assert res["requests"]["nvidia.com/gpu"] == res["limits"]["nvidia.com/gpu"], f"{where}: GPU request != limit"
        assert g["minReplicas"] == 0, f"{where}: GPU group should scale from zero"
        assert g["template"]["spec"]["containers"][0]["image"].endswith("-gpu"), f"{where}: GPU image"
        tolerations = g["template"]["spec"].get("tolerations") or []
        assert any(t.get("key") == "nvidia.com/gpu" for t in tolerations), f"{where}: no nvidia.com/gpu toleration"
        if g["minReplicas"] == 0:
            assert spec["rayClusterSpec"].get("enableInTreeAutoscaling"), f"{where}: 0 GPU workers need autoscaling"
        for other in cpu:
            assert other["template"]["spec"]["containers"][0]["image"].endswith("-cpu"), f"{where}: CPU image"


def test_rayjob_lifecycle_settings() -> None:
    for where, spec in rayjob_specs():
        assert spec["submissionMode"] == "K8sJobMode", where
        assert spec["shutdownAfterJobFinishes"] is True, where
        assert spec["ttlSecondsAfterFinished"] > 0, where
        assert spec["backoffLimit"] >= 0, where
        assert spec.get("activeDeadlineSeconds", 0) > 0, where
    build = the("RayJob").body["spec"]["entrypoint"]
    assert build.startswith("python ray_jobs/build_dataset.py -c conf/cluster.yaml "), build
    assert re.search(r"\boutput\.uri=s3://[a-z0-9.-]{3,}/\S+", build), build


def test_nightly_entrypoints() -> None:
    cron = the("RayCronJob").body["spec"]
    assert cron["schedule"] == "0 2 * * *"
    assert cron["timeZone"] in ("UTC", "Etc/UTC"), "--date today is resolved in UTC: schedule in UTC too"
    assert cron["jobTemplate"]["entrypoint"] == "python ray_jobs/nightly.py --date today -c conf/nightly.yaml"
    (template,) = docs_of("RayJob", embedded_docs())
    assert template.name == TEMPLATE_VALUES["RAYJOB_NAME"]
    date = TEMPLATE_VALUES["NIGHTLY_DATE"]
    assert template.body["spec"]["entrypoint"] == f"python ray_jobs/nightly.py --date {date} -c conf/nightly.yaml"
    assert template.body["metadata"]["labels"]["audioflan.io/nightly"] == "true"
    # Each nightly run must finish before the next one is scheduled.
    for spec in (cron["jobTemplate"], template.body["spec"]):
        assert spec["activeDeadlineSeconds"] < 24 * 3600


def test_cluster_and_submitter_specs_are_the_same_everywhere() -> None:
    specs = rayjob_specs()
    first_where, first = specs[0]
    for where, spec in specs[1:]:
        for key in ("rayClusterSpec", "submitterPodTemplate", "submitterConfig", "submissionMode", "backoffLimit"):
            assert spec.get(key) == first.get(key), f"{where}.{key} differs from {first_where}.{key}"


def test_cronjob_portable_nightly() -> None:
    cron = the("CronJob").body["spec"]
    assert cron["schedule"] == "0 2 * * *"
    assert cron["concurrencyPolicy"] == "Forbid"
    assert cron["startingDeadlineSeconds"] > 0
    assert cron["successfulJobsHistoryLimit"] >= 1 and cron["failedJobsHistoryLimit"] >= 1
    job = cron["jobTemplate"]["spec"]
    assert job["activeDeadlineSeconds"] < 24 * 3600, "a launcher still running at the next schedule skips a night"
    (template,) = docs_of("RayJob", embedded_docs())
    assert job["activeDeadlineSeconds"] > template.body["spec"]["activeDeadlineSeconds"]
    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["serviceAccountName"] == the("ServiceAccount").name
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["scripts"]["configMap"]["name"] == the("ConfigMap").name
    (container,) = pod["containers"]
    script = container["command"][-1]
    assert Path(script).name in the("ConfigMap").body["data"], f"{script} is not in the ConfigMap"
    env = {e["name"]: e for e in container["env"]}
    assert Path(env["TEMPLATE"]["value"]).name in the("ConfigMap").body["data"]


def test_rbac_is_minimal_and_bound_to_the_launcher() -> None:
    role = the("Role").body
    (rule,) = role["rules"]
    assert rule["apiGroups"] == ["ray.io"] and rule["resources"] == ["rayjobs"]
    assert set(rule["verbs"]) == {"create", "get", "list", "watch", "delete"}
    binding = the("RoleBinding").body
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": the("Role").name}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": the("ServiceAccount").name}]


def test_no_literal_credentials() -> None:
    for doc in all_docs():
        for path, node in walk(doc.body):
            if isinstance(node, dict) and "name" in node and ("value" in node or "valueFrom" in node):
                if not CREDENTIAL_NAME.search(str(node["name"])):
                    continue
                ref = (node.get("valueFrom") or {}).get("secretKeyRef")
                assert "value" not in node and ref, f"{doc}{path}: {node['name']} must come from a secretKeyRef"
                assert ref["name"] == SECRET_NAME and ref["key"] == node["name"], f"{doc}{path}: {ref}"
            if isinstance(node, dict) and "secretRef" in node:
                assert node["secretRef"]["name"] == SECRET_NAME, f"{doc}{path}"
    secrets = docs_of("Secret")
    assert [d.source.split("#")[0] for d in secrets] == ["secret-example.yaml"], "Secrets only in the example"
    for doc in secrets:
        values = {**(doc.body.get("stringData") or {}), **(doc.body.get("data") or {})}
        assert values and set(values.values()) == {"REPLACE_ME"}, f"{doc}: only REPLACE_ME placeholders"
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(values)
    for path in sorted(K8S_DIR.iterdir()):
        text = path.read_text()
        assert not re.search(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b", text), f"{path.name}: looks like an AWS access key id"
        assert not re.search(r"(?i)aws_secret_access_key\s*[=:]\s*(?!REPLACE_ME)[A-Za-z0-9/+]{30,}", text), path.name


def test_every_env_that_needs_s3_gets_the_credentials() -> None:
    for where, spec in rayjob_specs():
        cluster = spec["rayClusterSpec"]
        pods = [cluster["headGroupSpec"]["template"]] + [g["template"] for g in cluster["workerGroupSpecs"]]
        for pod in pods:
            env = {e["name"]: e for e in pod["spec"]["containers"][0].get("env", [])}
            for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                assert key in env and not env[key]["valueFrom"]["secretKeyRef"].get("optional"), f"{where}: {key}"
            assert env["AWS_ENDPOINT_URL"]["valueFrom"]["secretKeyRef"]["optional"] is True, where


# ---------------------------------------------------------------------------------------------------------------
# The nightly launcher script, against a stub kubectl

STUB_KUBECTL = r"""#!/bin/bash
echo "$*" >> "$STUB_DIR/calls"
if [[ "$1" == -n ]]; then shift 2; fi
case "$1" in
  create)
    cp "$3" "$STUB_DIR/created.yaml"
    if [[ -n "${STUB_CREATE_ERROR:-}" ]]; then echo "$STUB_CREATE_ERROR" >&2; exit 1; fi
    if [[ -e "$STUB_DIR/exists" ]]; then
      echo 'Error from server (AlreadyExists): rayjobs.ray.io "x" already exists' >&2; exit 1
    fi
    echo "rayjob.ray.io/x created" ;;
  get)
    if [[ "$2" == rayjob ]]; then
      n=$(( $(cat "$STUB_DIR/n" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$STUB_DIR/n"
      line="$(sed -n "${n}p" "$STUB_DIR/statuses")"
      if [[ -z "$line" ]]; then echo "stub: no more statuses" >&2; exit 98; fi
      if [[ "$line" == ERR:* ]]; then echo "${line#ERR:}" >&2; exit 1; fi
      printf '%s' "$line"
    else
      cat "$STUB_DIR/list"
    fi ;;
  delete) echo "rayjob.ray.io/$3 deleted" ;;
  *) echo "stub: unexpected kubectl $*" >&2; exit 99 ;;
esac
"""


def launcher_files() -> tuple[str, str]:
    data = the("ConfigMap").body["data"]
    return data["launch-nightly.sh"], data["rayjob-template.yaml"]


def run_launcher(
    tmp_path: Path,
    statuses: list[str],
    *,
    job_name: str = "audioflan-nightly-29000000",
    exists: bool = False,
    listing: Sequence[str] = (),
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not available")
    script, template = launcher_files()
    stub = tmp_path / "stub"
    (stub / "bin").mkdir(parents=True)
    kubectl = stub / "bin" / "kubectl"
    kubectl.write_text(STUB_KUBECTL)
    kubectl.chmod(0o755)
    (stub / "statuses").write_text("".join(s + "\n" for s in statuses))
    (stub / "list").write_text("".join(n + "\n" for n in listing))
    if exists:
        (stub / "exists").touch()
    (tmp_path / "launch-nightly.sh").write_text(script)
    (tmp_path / "rayjob-template.yaml").write_text(template)
    env = {
        "PATH": f"{stub / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "LC_ALL": "C",
        "STUB_DIR": str(stub),
        "NAMESPACE": "audioflan",
        "JOB_NAME": job_name,
        "TEMPLATE": str(tmp_path / "rayjob-template.yaml"),
        "WORK_DIR": str(tmp_path),
        "POLL_SECONDS": "0",
        "KEEP_RAYJOBS": "2",
        **(extra_env or {}),
    }
    proc = subprocess.run(
        [bash, str(tmp_path / "launch-nightly.sh")], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return proc, stub


def calls(stub: Path) -> list[str]:
    path = stub / "calls"
    return path.read_text().splitlines() if path.exists() else []


def scheduled_date(job_name: str) -> str:
    minutes = int(job_name.rsplit("-", 1)[1])
    return dt.datetime.fromtimestamp(minutes * 60, dt.UTC).strftime("%Y-%m-%d")


@requires_crds
def test_launcher_creates_tonights_rayjob_waits_and_prunes(tmp_path: Path) -> None:
    night = scheduled_date("audioflan-nightly-29000000")
    name = "audioflan-nightly-" + night.replace("-", "")
    listing = ["audioflan-nightly-20250101", "audioflan-nightly-20250102", "audioflan-nightly-20250103", name]
    proc, stub = run_launcher(
        tmp_path, ["|", "Initializing|", "Running|RUNNING", "Complete|SUCCEEDED"], listing=listing
    )
    assert proc.returncode == 0, proc.stderr
    created = yaml.load((stub / "created.yaml").read_text(), Loader=_Loader)
    assert created["metadata"]["name"] == name
    assert created["metadata"]["labels"]["audioflan.io/date"] == night
    assert created["spec"]["entrypoint"] == f"python ray_jobs/nightly.py --date {night} -c conf/nightly.yaml"
    assert crd_errors(created) == []
    log = calls(stub)
    assert log[0].startswith("-n audioflan create -f ")
    assert sum(c.startswith("-n audioflan get rayjob ") for c in log) == 4
    deleted = [c.split()[4] for c in log if " delete rayjob " in c]
    assert deleted == ["audioflan-nightly-20250101", "audioflan-nightly-20250102"]  # keeps the newest 2


def test_launcher_attaches_to_an_existing_rayjob(tmp_path: Path) -> None:
    proc, _ = run_launcher(tmp_path, ["Complete|SUCCEEDED"], exists=True)
    assert proc.returncode == 0, proc.stderr
    assert "already exists" in proc.stderr


def test_launcher_fails_when_the_rayjob_fails_but_waits_through_retries(tmp_path: Path) -> None:
    statuses = ["Running|RUNNING", "Retrying|FAILED", "ERR:connection refused", "Running|RUNNING", "Failed|FAILED"]
    proc, stub = run_launcher(tmp_path, statuses)
    assert proc.returncode == 3, proc.stderr
    assert "did not succeed" in proc.stderr
    assert not any(" delete " in c for c in calls(stub)), "nothing is pruned after a failure"


def test_launcher_fails_on_other_create_errors(tmp_path: Path) -> None:
    forbidden = 'Error from server (Forbidden): rayjobs.ray.io is forbidden: User "x" cannot create'
    proc, _ = run_launcher(tmp_path, [], extra_env={"STUB_CREATE_ERROR": forbidden})
    assert proc.returncode == 1
    assert "Forbidden" in proc.stderr


def test_launcher_gives_up_when_the_status_cannot_be_read(tmp_path: Path) -> None:
    proc, stub = run_launcher(tmp_path, ["Running|RUNNING"])  # then the stub fails every get
    assert proc.returncode == 1
    assert sum(" get rayjob " in c for c in calls(stub)) == 11


@pytest.mark.parametrize(
    ("job_name", "override", "expected"),
    [
        ("audioflan-nightly-29000000", "", scheduled_date("audioflan-nightly-29000000")),
        ("audioflan-nightly-29000000", "2026-01-31", "2026-01-31"),
        ("audioflan-nightly-manual", "", "today"),
        ("", "", "today"),
    ],
)
def test_launcher_date(tmp_path: Path, job_name: str, override: str, expected: str) -> None:
    before = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    proc, stub = run_launcher(tmp_path, ["Complete|SUCCEEDED"], job_name=job_name, extra_env={"NIGHTLY_DATE": override})
    after = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert proc.returncode == 0, proc.stderr
    created = yaml.load((stub / "created.yaml").read_text(), Loader=_Loader)
    night = created["metadata"]["labels"]["audioflan.io/date"]
    assert night in ({before, after} if expected == "today" else {expected})
    assert created["metadata"]["name"] == "audioflan-nightly-" + night.replace("-", "")


def test_launcher_rejects_a_bad_date(tmp_path: Path) -> None:
    proc, stub = run_launcher(tmp_path, [], extra_env={"NIGHTLY_DATE": "26/11/2026"})
    assert proc.returncode == 2
    assert calls(stub) == []


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
