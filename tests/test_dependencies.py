"""requirements.lock, which `make audit` checks for known vulnerabilities, pins every runtime
dependency of pyproject.toml at a version pyproject.toml allows."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(settings.BASE_DIR)


def test_the_lock_pins_every_runtime_dependency_at_an_allowed_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pinned[canonicalize_name(name)] = version.strip()
    for dependency in map(Requirement, project["dependencies"]):
        name = canonicalize_name(dependency.name)
        assert name in pinned, f"{dependency.name} is not in requirements.lock: make lock"
        assert dependency.specifier.contains(pinned[name]), (dependency, pinned[name])
