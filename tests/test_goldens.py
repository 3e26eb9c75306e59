"""Each built-in theme still looks as it did: the example's cover and a text slide against goldens."""

from __future__ import annotations

import pytest
from goldens import GOLDEN, SLIDES, THEMES, mean_difference, render
from PIL import Image

# Mean absolute difference on 0-255 after downscaling: a moved line or a changed colour shows up
# well above this; JPEG and resampling noise stays far below it.
EPSILON = 2.0


@pytest.mark.parametrize("theme", THEMES)
def test_theme_matches_its_goldens(theme, tmp_path):
    images = render(theme, tmp_path)
    for number in SLIDES:
        name = f"{theme}-{number}.png"
        with Image.open(GOLDEN / name) as golden:
            difference = mean_difference(images[name], golden.convert("RGB"))
        assert difference <= EPSILON, f"{name} differs by {difference:.2f}; if intended, run: python tests/goldens.py"
