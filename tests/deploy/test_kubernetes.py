"""deploy/kubernetes: each overlay renders with `kubectl kustomize` and every object validates
against the Kubernetes schemas (kubernetes-validate ships them, offline); then the promises:
probes, resources, PodDisruptionBudget, autoscaling on the queue, and network policies."""

from __future__ import annotations

import copy
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

KUBE = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.32.0"


def render(overlay: str) -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: it renders the Kustomize overlays")
    result = subprocess.run(["kubectl", "kustomize", str(KUBE / "overlays" / overlay)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


@pytest.fixture(scope="module", params=["cpu", "gpu"])
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(request.param)


def test_every_object_validates_against_the_kubernetes_schemas(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    _, objects = overlay
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_validator_catches_a_misspelt_field(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    deployment = copy.deepcopy(find(overlay[1], "Deployment", "guichet-api"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_api_is_probed_sized_and_confined(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    name, objects = overlay
    pod = find(objects, "Deployment", "guichet-api")["spec"]["template"]["spec"]
    api = next(c for c in pod["containers"] if c["name"] == "api")
    assert api["readinessProbe"]["httpGet"]["path"] == "/api/health"
    assert "tcpSocket" in api["livenessProbe"] and api["startupProbe"]["failureThreshold"] >= 30
    assert api["resources"]["requests"]["cpu"] and api["resources"]["limits"]["memory"]
    assert api["securityContext"]["readOnlyRootFilesystem"] is True
    assert (
        pod["securityContext"]["runAsNonRoot"] is True
        and pod["automountServiceAccountToken"] is False
    )
    assert [c["args"] for c in pod["initContainers"]] == [["guichet", "migrate"]]
    env = {e["name"]: e for e in api["env"]}
    assert env["GUICHET_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "guichet-secrets"
    backend = env["GUICHET_LLM_BACKEND"]["value"]
    assert backend == ("llama_cpp" if name == "cpu" else "openai")


def test_disruptions_and_autoscaling(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    name, objects = overlay
    assert find(objects, "PodDisruptionBudget", "guichet-api")["spec"]["minAvailable"] == 1
    hpa = find(objects, "HorizontalPodAutoscaler", "guichet-api")["spec"]
    assert hpa["minReplicas"] >= 2
    metric = hpa["metrics"][0]
    if name == "cpu":
        assert metric["pods"]["metric"]["name"] == "guichet_queue_waiting"
    else:  # requests wait in vLLM, which scales on its own queue
        assert metric["resource"]["name"] == "cpu"
        vllm = find(objects, "HorizontalPodAutoscaler", "vllm")["spec"]["metrics"][0]
        assert vllm["pods"]["metric"]["name"] == "vllm_num_requests_waiting"


def test_only_the_api_reaches_qdrant_postgresql_and_inference(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    name, objects = overlay
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    qdrant = policies["qdrant-from-guichet-only"]["ingress"][0]["from"]
    assert qdrant == [{"podSelector": {"matchLabels": {"guichet.fr/index-client": "true"}}}]
    labels = {
        o["metadata"]["name"]: _pod_labels(o)
        for o in objects if o["kind"] in {"Deployment", "StatefulSet", "CronJob"}
    }  # fmt: skip
    index_clients = {n for n, lab in labels.items() if lab.get("guichet.fr/index-client") == "true"}
    assert index_clients == {"guichet-api", "guichet-crawl", "guichet-backup"}
    database_clients = {n for n, lab in labels.items() if lab.get("guichet.fr/database-client")}
    assert database_clients == {"guichet-api", "guichet-crawl", "guichet-purge", "guichet-backup"}
    internet = {n for n, lab in labels.items() if lab.get("guichet.fr/internet-client")}
    assert internet == {"guichet-crawl"}
    if name == "gpu":
        frm = policies["inference-from-api-only"]["ingress"][0]["from"]
        assert frm == [{"podSelector": {"matchLabels": {"guichet.fr/inference-client": "true"}}}]
        inference_clients = {
            n for n, lab in labels.items() if lab.get("guichet.fr/inference-client")
        }
        assert inference_clients == {"guichet-api"}


def _pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    spec = obj["spec"]
    template = (
        spec["jobTemplate"]["spec"]["template"] if obj["kind"] == "CronJob" else spec["template"]
    )
    labels: dict[str, str] = template["metadata"]["labels"]
    return labels


def test_qdrant_keeps_its_data_and_its_key_comes_from_the_secret(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    qdrant = find(overlay[1], "StatefulSet", "qdrant")["spec"]
    assert qdrant["volumeClaimTemplates"][0]["metadata"]["name"] == "storage"
    env = {e["name"]: e for e in qdrant["template"]["spec"]["containers"][0]["env"]}
    assert env["QDRANT__SERVICE__API_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "qdrant-api-key"


def test_no_secret_value_is_written_in_the_manifests(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    assert not [o for o in overlay[1] if o["kind"] == "Secret"]
    text = yaml.safe_dump_all(overlay[1])
    assert "postgresql+psycopg://" not in text and "api_key" not in text
