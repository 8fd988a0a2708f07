"""Install the pinned front-end packages from the npm registry into static/vendor.

Reads package-lock.json (versions and sha512 integrity), downloads each tarball once,
checks its integrity and extracts only the files the app serves. Needs only Python, so
`make run` works on a machine without Node.js.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
REGISTRY = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/").rstrip("/")

# package -> files inside the tarball (under package/) that the app serves
FILES = {
    "htmx.org": ["dist/htmx.min.js"],
    "bootstrap": ["dist/css/bootstrap.min.css", "dist/js/bootstrap.bundle.min.js"],
    # the API docs page (/api/v1/docs); its telemetry dependency @scarf/scarf is never fetched
    "swagger-ui-dist": ["swagger-ui-bundle.js", "swagger-ui.css"],
    # accessibility checks in the browser tests only; no page links it
    "axe-core": ["axe.min.js"],
    # the insights charts; the UMD build bundles its one dependency (@kurkle/color)
    "chart.js": ["dist/chart.umd.min.js"],
    # the network graph page
    "cytoscape": ["dist/cytoscape.min.js"],
}


def _tarball_url(name: str, version: str) -> str:
    base = name.split("/")[-1]
    return f"{REGISTRY}/{name}/-/{base}-{version}.tgz"


def _check_integrity(data: bytes, integrity: str) -> None:
    algo, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if digest != expected:
        raise SystemExit(f"integrity mismatch for a front-end package ({algo})")


def main() -> int:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, files in FILES.items():
        entry = lock["packages"][f"node_modules/{name}"]
        target = VENDOR / name
        stamp = target / ".version"
        if stamp.exists() and stamp.read_text() == entry["version"]:
            continue
        with urllib.request.urlopen(_tarball_url(name, entry["version"]), timeout=60) as resp:
            data = resp.read()
        _check_integrity(data, entry["integrity"])
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for f in files:
                member = tar.extractfile(f"package/{f}")
                if member is None:
                    raise SystemExit(f"{name}: {f} missing from the package")
                (target / Path(f).name).write_bytes(member.read())
        stamp.write_text(entry["version"])
        print(f"installed {name} {entry['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
