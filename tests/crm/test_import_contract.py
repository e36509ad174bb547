"""The dependency direction of STYLE.md section 2 is enforced by import-linter's contract
([tool.importlinter] in pyproject.toml), also run by `scripts/launch.py test`."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_code_keeps_the_layers_contract():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_the_contract_catches_an_import_against_the_direction(tmp_path):
    """Swapping contacts and interactions makes interactions' real imports of contacts a
    violation: the contract reads the code, it is not vacuous."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = config["contracts"][0]["layers"]
    i, j = layers.index("interactions"), layers.index("contacts")
    layers[i], layers[j] = layers[j], layers[i]
    ini = tmp_path / "importlinter.ini"
    ini.write_text(
        "[importlinter]\n"
        + "root_packages =\n"
        + "".join(f"    {name}\n" for name in config["root_packages"])
        + "[importlinter:contract:layers]\nname = swapped\ntype = layers\nlayers =\n"
        + "".join(f"    {layer}\n" for layer in layers)
        + "ignore_imports =\n"
        + "".join(f"    {rule}\n" for rule in config["contracts"][0]["ignore_imports"])
    )
    result = lint_imports("--config", str(ini))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert "interactions." in result.stdout and "-> contacts" in result.stdout
