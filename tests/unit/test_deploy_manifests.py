"""deploy/: the compose file and the Kubernetes manifests parse, run the engine's real
commands, and set only settings that pathway/config.py reads (a misspelt PATHWAY_ variable
would be silently ignored in production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pathway.config import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS = {f"PATHWAY_{name.upper()}" for name in Settings.model_fields}
COMMANDS = {("pathway", "worker"), ("pathway", "serve")}


def docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def pathway_names(env: dict[str, Any] | list[dict[str, Any]]) -> set[str]:
    names = env.keys() if isinstance(env, dict) else {e["name"] for e in env}
    return {n for n in names if n.startswith("PATHWAY_")}


def test_compose_runs_worker_api_postgresql_and_temporal_with_known_settings() -> None:
    compose = docs(DEPLOY / "compose.yaml")[0]
    services = compose["services"]
    assert {"postgresql", "temporal", "migrate", "worker", "api"} <= services.keys()
    assert tuple(services["worker"]["command"]) in COMMANDS and tuple(services["api"]["command"]) in COMMANDS
    assert "pathway db upgrade" in " ".join(services["migrate"]["command"])
    assert "pathway temporal setup" in " ".join(services["migrate"]["command"])
    for name, service in services.items():
        unknown = pathway_names(service.get("environment", {})) - SETTINGS
        assert not unknown, f"compose service {name} sets {unknown}, which pathway/config.py does not read"
    worker_env = services["worker"]["environment"]
    for required in ("PATHWAY_DATABASE_URL", "PATHWAY_KEYSTORE_URL", "PATHWAY_TEMPORAL_ADDRESS", "PATHWAY_CODEC_KEY"):
        assert required in worker_env


def test_kubernetes_manifests_have_the_parts_and_only_known_settings() -> None:
    manifests = [d for p in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in docs(p)]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for m in manifests:
        assert {"apiVersion", "kind", "metadata"} <= m.keys(), m
        by_kind.setdefault(m["kind"], []).append(m)
    deployments = {d["metadata"]["name"]: d for d in by_kind["Deployment"]}
    assert {"pathway-worker", "pathway-api"} <= deployments.keys()
    assert by_kind["Service"] and by_kind["Secret"] and by_kind["ConfigMap"] and by_kind["Job"]

    config = {n for m in by_kind["ConfigMap"] for n in m["data"]}
    secret = {n for m in by_kind["Secret"] for n in m["stringData"]}
    assert not (config | secret) - SETTINGS, f"unknown settings: {(config | secret) - SETTINGS}"
    assert "PATHWAY_CODEC_KEY" in secret and "PATHWAY_DATABASE_URL" in secret

    for name, deployment in deployments.items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert tuple(container["command"]) in COMMANDS, name
        refs = {next(iter(r.values()))["name"] for r in container["envFrom"]}
        assert refs == {"pathway-config", "pathway-secrets"}, name
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items(), name
    service = by_kind["Service"][0]
    api_labels = deployments["pathway-api"]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= api_labels.items()
