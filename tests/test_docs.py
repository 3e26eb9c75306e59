"""The README opens with the two commands CI runs, and documents every command."""

from __future__ import annotations

import re
from pathlib import Path

from postkit.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def readme_commands() -> list[str]:
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", README, re.S)
    assert first_block, "the README must open with a code block"
    return [line for line in first_block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_readme_opens_with_exactly_two_commands():
    assert README.index("```") < 600, "the commands must be in the README's first lines"
    install_and_render, install_and_test = readme_commands()
    assert "pip install ." in install_and_render and "postkit carousel examples/" in install_and_render
    assert "pip install '.[test]'" in install_and_test and "pytest" in install_and_test


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_every_command_is_in_the_readme():
    for name in cli.commands:
        assert f"postkit {name}" in README, name


def test_readme_images_exist():
    for path in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README):
        assert (ROOT / path).is_file(), path


def test_the_readme_table_of_networks_says_what_limits_py_says():
    from postkit.limits import NETWORKS

    rows = {cells[0]: cells for cells in (line.strip("|").split("|") for line in README.splitlines())}
    rows = {name.strip(): [c.strip() for c in cells] for name, cells in rows.items()}
    for limits in NETWORKS.values():
        name, images, size, alt, text, source = rows[limits.name]
        assert images.endswith(str(limits.images)) if limits.images else images == "many"
        assert size == (f"{limits.image_bytes:,}" if limits.image_bytes else "—")
        assert alt.startswith("required" if limits.alt_required else "yes" if limits.alt_text else "none")
        assert text.startswith(f"{limits.text:,} ") and source == limits.source
