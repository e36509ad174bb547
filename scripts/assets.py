"""Install the front-end packages of package-lock.json into static/vendor/ without Node.js.

    python scripts/assets.py            # install what is missing or outdated
    python scripts/assets.py --check    # exit 1 when static/vendor/ does not match the lock file

The lock file (``npm install --package-lock-only``) pins each package's version and its
``integrity`` hash; this script downloads each tarball from the npm registry
(``NPM_CONFIG_REGISTRY``, default https://registry.npmjs.org), verifies the hash, and extracts
the files that ``package.json``'s ``crmAssets`` lists for that package into
``static/vendor/<package>/``. A package already extracted at the locked version is left alone,
so the run/test scripts can call this on every start. To upgrade a package: change its version
in package.json, run ``npm install --package-lock-only``, commit both files.
"""

import base64
import fnmatch
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
MARKER = ".installed-version"


def registry() -> str:
    return (os.environ.get("NPM_CONFIG_REGISTRY") or "https://registry.npmjs.org").rstrip("/")


def tarball_url(name: str, version: str) -> str:
    basename = name.rsplit("/", 1)[-1]
    return f"{registry()}/{name}/-/{basename}-{version}.tgz"


def verify(data: bytes, integrity: str, name: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise SystemExit(f"assets: integrity check failed for {name} ({integrity})")


def wanted(member: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(member, pattern) for pattern in patterns)


def install(name: str, version: str, integrity: str, patterns: list[str]) -> None:
    target = VENDOR / name
    url = tarball_url(name, version)
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (fixed https URL)
        data = response.read()
    verify(data, integrity, name)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            relative = member.name.split("/", 1)[1] if "/" in member.name else member.name
            if not wanted(relative, patterns):
                continue
            destination = (target / relative).resolve()
            if not destination.is_relative_to(target.resolve()):
                raise SystemExit(f"assets: unsafe path {member.name!r} in {name}")
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(archive.extractfile(member).read())
    (target / MARKER).write_text(version)
    print(f"[assets] {name} {version} -> {target.relative_to(ROOT)}", flush=True)


def main(argv: list[str]) -> int:
    manifest = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    selections: dict[str, list[str]] = manifest.get("crmAssets", {})
    stale = []
    for name, patterns in selections.items():
        entry = lock["packages"].get(f"node_modules/{name}")
        if entry is None:
            raise SystemExit(f"assets: {name} is not in package-lock.json (run npm install)")
        marker = VENDOR / name / MARKER
        if marker.exists() and marker.read_text() == entry["version"]:
            continue
        stale.append(name)
        if "--check" not in argv:
            install(name, entry["version"], entry["integrity"], patterns)
    if "--check" in argv and stale:
        print(f"[assets] not installed: {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
