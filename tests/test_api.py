"""The public API: docs/api.md's examples run as written, with only what ``import postkit`` gives."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "api.md").read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example-{k + 1}" for k in range(len(EXAMPLES))])
def test_every_example_in_the_api_docs_runs(code, tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    # A fresh interpreter: the example imports nothing but postkit, and finds it as a user would.
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_examples_use_only_the_public_names():
    import postkit

    used = {name for code in EXAMPLES for name in re.findall(r"postkit\.(\w+)", code)}
    assert used and used <= set(postkit.__all__), used - set(postkit.__all__)


def test_every_public_name_loads_and_has_a_docstring():
    import postkit

    for name in postkit.__all__:
        value = getattr(postkit, name)
        assert name == "__version__" or (value.__doc__ or "").strip(), name
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        postkit.nothing  # noqa: B018


def test_import_postkit_loads_no_heavy_module():
    heavy = "('PIL', 'click', 'jinja2', 'postkit.pipeline')"
    code = f"import sys, postkit; print(sorted(m for m in {heavy} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_package_says_it_is_typed():
    import postkit

    assert (Path(postkit.__file__).parent / "py.typed").is_file()
