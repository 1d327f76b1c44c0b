"""Synthetic fleets: monoliths of any size built from a few hidden profiles, for benchmarks and tests."""

from __future__ import annotations

import random

from splitter.exact.style import Style
from splitter.exact.write import dumps

_RULE_SSH = {"type": "in", "action": "ACCEPT", "proto": "tcp", "port": "22", "source": "10.0.0.0/16",
             "comment": "SSH from the management network"}

BASE = {
    "start_at_boot": True, "boot_order": 2, "boot_delay": 5,
    "template": "/srv/iso/template/cache/debian-12-standard_12.7-1_amd64.tar.zst",
    "storage_pool": "fast-lxc", "storage_size_gb": 32,
    "network_config": {"name": "eth0", "bridge": "vmbr0", "gw": "10.0.0.1", "nameservers": "10.0.0.53"},
    "unprivileged": True, "portainer_role": "none", "lxc_options": ["lxc.apparmor.profile=unconfined"],
    "apparmor_profile": "unconfined", "apparmor_manages_nesting": True, "enable_lifecycle_snapshots": True,
}

# the hidden profiles, by the role word a container lists in `features`: what the miner should find again
PROFILES = {
    "nvidia": {"gpu_assignment": "0,1", "clone_from_ctid": "901", "dependencies": ["901"],
               "unprivileged": False, "memory_mb": 65536},
    "vllm": {"application_script": "phoenix_lxc_vllm.sh",
             "vllm_engine_config": {
                 "ModelConfig": {"trust_remote_code": True, "dtype": "auto", "max_model_len": 8192},
                 "CacheConfig": {"gpu_memory_utilization": 0.9, "swap_space": 4, "block_size": 16},
                 "ParallelConfig": {"tensor_parallel_size": 1},
                 "ServerConfig": {"host": "0.0.0.0", "port": 8000}},
             "health_check": {"command": "curl -fsS http://localhost:8000/health", "retries": 10}},
    "docker": {"application_script": "phoenix_lxc_docker.sh",
               "portainer_role": "agent", "pct_options": ["nesting=1", "keyctl=1"], "memory_mb": 8192},
    "web": {"firewall": {"enabled": True, "rules": [
        _RULE_SSH,
        {"type": "in", "action": "ACCEPT", "proto": "tcp", "port": "80", "source": "0.0.0.0/0", "comment": "HTTP"},
        {"type": "in", "action": "ACCEPT", "proto": "tcp", "port": "443", "source": "0.0.0.0/0",
         "comment": "HTTPS"}]}, "traefik_service": {"entrypoint": "websecure", "tls": True}},
    "step_ca": {"application_script": "phoenix_lxc_step_ca.sh", "bootstrap_ca_url": "https://ca.internal:9000",
                "memory_mb": 1024},
}
# kinds of container and the roles each carries, broad before narrow: `features` lists them in this order
KINDS = [("vllm", ["nvidia", "vllm"]), ("gpu", ["nvidia"]), ("docker", ["docker"]), ("web", ["docker", "web"]),
         ("ca", ["step_ca", "web"]), ("plain", [])]
MODELS = ["Qwen/Qwen2.5-7B-Instruct-AWQ", "ibm-granite/granite-3.3-8b-instruct", "BAAI/bge-m3",
          "mistralai/Mistral-7B-Instruct-v0.3"]


def _overlay(lower: dict, upper: dict) -> dict:
    result = dict(lower)
    for key, value in upper.items():
        result[key] = _overlay(result[key], value) if type(value) is dict and type(result.get(key)) is dict \
            else value
    return result


def container(index: int, rng: random.Random) -> dict:
    kind, profiles = KINDS[rng.randrange(len(KINDS))]
    config = {"name": f"{kind}-{index}"}
    config.update(BASE)
    if profiles:
        config["features"] = list(profiles)
    for name in profiles:
        config = _overlay(config, PROFILES[name])
    config["cores"] = rng.choice([2, 4, 8])
    config["network_config"] = dict(config["network_config"], ip=f"10.{index >> 16 & 255}.{index >> 8 & 255}."
                                                                    f"{index & 255}/16")
    config["mac_address"] = "52:54:00:%02X:%02X:%02X" % (index >> 16 & 255, index >> 8 & 255, index & 255)
    if kind == "vllm":
        engine = config["vllm_engine_config"]
        engine["ModelConfig"] = dict(engine["ModelConfig"], model=rng.choice(MODELS))
        engine["ServerConfig"] = dict(engine["ServerConfig"], served_model_name=f"model-{index}")
    if rng.random() < 0.1:
        config.pop("enable_lifecycle_snapshots")  # a few containers lack a default
    if profiles and rng.random() < 0.05:
        config["memory_mb"] = 131072  # and a few differ from their profile
    return config


def hidden_members(doc: dict) -> dict[str, set[str]]:
    """The containers of a generated monolith that carry each hidden profile: role word -> container ids."""
    members: dict[str, set[str]] = {name: set() for name in PROFILES}
    for ctid, config in doc["lxc_configs"].items():
        for name in config.get("features", ()):
            members[name].add(ctid)
    return members


def monolith(count: int, seed: int = 0) -> dict:
    rng = random.Random(seed)
    return {
        "$schema": "./phoenix_lxc_configs.schema.json",
        "nvidia_driver_version": "580.76.05",
        "lxc_configs": {str(1000 + index): container(index, rng) for index in range(count)},
    }


def monolith_bytes(count: int, seed: int = 0) -> bytes:
    """A fleet written as the real files are: four spaces, no final newline."""
    return dumps(monolith(count, seed), Style(indent="    "))


def edited_monolith_bytes(count: int, edits: int = 10, seed: int = 0) -> bytes:
    """The same fleet with `edits` containers, spread over it, given other cores: what `update` follows."""
    doc = monolith(count, seed)
    ids = list(doc["lxc_configs"])
    for ctid in ids[:: max(1, len(ids) // edits)][:edits]:
        doc["lxc_configs"][ctid]["cores"] = 16
    return dumps(doc, Style(indent="    "))


# Fleets from 8 hidden profiles, half of them without a role word: what discovery must find without being told.
# Each container holds 0-3 of them (at most one that runs an application script) and clones from a template.
HIDDEN_ROLES = {  # listed by word in `features`
    "nvidia": {"gpu_assignment": "0,1", "clone_from_ctid": "9001", "dependencies": ["9001"],
               "unprivileged": False, "memory_mb": 65536},
    "vllm": {"application_script": "phoenix_lxc_vllm.sh",
             "vllm_engine_config": PROFILES["vllm"]["vllm_engine_config"]},
    "docker": {"application_script": "phoenix_lxc_docker.sh", "portainer_role": "agent",
               "pct_options": ["nesting=1", "keyctl=1"]},
    "step_ca": {"application_script": "phoenix_lxc_step_ca.sh", "bootstrap_ca_url": "https://ca.internal:9000"},
}
HIDDEN_BLOCKS = {  # no marker at all: only the values repeat
    "web": {"firewall": PROFILES["web"]["firewall"],
            "traefik_service": {"entrypoint": "websecure", "tls": True, "middlewares": ["secure-headers"]}},
    "database": {"mount_points": [{"mp": "/var/lib/postgresql", "volume": "db-data", "size_gb": 64,
                                   "backup": True}],
                 "database": {"engine": "postgres", "port": 5432, "max_connections": 200}},
    "monitoring": {"health_check": {"command": "curl -fsS http://localhost:9100/metrics", "interval_seconds": 30,
                                    "timeout_seconds": 5, "retries": 3},
                   "metrics_exporter": {"port": 9100, "path": "/metrics"}},
    "edge": {"network_config": {"bridge": "vmbr2", "vlan_tag": 30, "mtu": 9000}, "firewall_zone": "dmz",
             "rate_limit": {"requests_per_second": 100, "burst": 200}},
}
HIDDEN = {**HIDDEN_ROLES, **HIDDEN_BLOCKS}
_NOISE = {"nvidia": ("memory_mb", 131072), "monitoring": ("health_check", {"retries": 5}),
          "database": ("database", {"max_connections": 500}), "docker": ("portainer_role", "server")}
_APPS = {"vllm", "docker", "step_ca"}  # they set the same `application_script`: a container runs one
_TEMPLATES = {"9000": "Template-Base", "9001": "Template-GPU", "9002": "Template-Spare"}


def _hidden_container(index: int, rng: random.Random) -> tuple[dict, list[str]]:
    count = rng.choices([0, 1, 2, 3], weights=[20, 35, 30, 15])[0]
    held: list[str] = []
    for name in rng.sample(sorted(HIDDEN), len(HIDDEN)):
        if len(held) < count and not (name in _APPS and _APPS.intersection(held)):
            held.append(name)
    held.sort(key=list(HIDDEN).index)
    config = {"name": f"node-{index}", **BASE, "clone_from_ctid": "9000", "dependencies": ["9000"]}
    words = [name for name in held if name in HIDDEN_ROLES]
    if words:
        config["features"] = words
    for name in held:
        config = _overlay(config, HIDDEN[name])
        if name in _NOISE and rng.random() < 0.05:  # a few members differ from their profile in one value
            key, value = _NOISE[name]
            config = _overlay(config, {key: value})
    config["cores"] = rng.choice([2, 4, 8])
    config["network_config"] = dict(config["network_config"], ip=f"10.{index >> 8 & 255}.{index & 255}.2/16")
    config["mac_address"] = "52:54:00:%02X:%02X:%02X" % (index >> 16 & 255, index >> 8 & 255, index & 255)
    if "vllm" in held:
        engine = config["vllm_engine_config"]
        engine["ModelConfig"] = dict(engine["ModelConfig"], model=rng.choice(MODELS))
    if rng.random() < 0.1:
        config.pop("enable_lifecycle_snapshots")
    return config, held


def hidden_fleet(count: int, seed: int = 0) -> tuple[dict, dict[str, set[str]]]:
    """A monolith of `count` containers (3 of them templates) built from the 8 HIDDEN profiles, and per hidden
    profile the ids of the containers that hold it (plus "template": the templates)."""
    rng = random.Random(seed)
    configs: dict[str, dict] = {}
    members: dict[str, set[str]] = {name: set() for name in [*HIDDEN, "template"]}
    for ctid, name in _TEMPLATES.items():
        configs[ctid] = {"name": name, **BASE, "is_template": True, "start_at_boot": False, "boot_order": 0,
                         "template_snapshot_name": "golden", "cores": 2}
        members["template"].add(ctid)
    for index in range(count - len(_TEMPLATES)):
        ctid = str(2000 + index)
        configs[ctid], held = _hidden_container(index, rng)
        for name in held:
            members[name].add(ctid)
    return {"nvidia_driver_version": "580.76.05", "lxc_configs": configs}, members
