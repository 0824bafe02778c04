"""Skip-or-fail for tests that need something outside the repo.

On a user's machine a missing system package or a missing ``../shared`` skips the test
with a reason. When ``CI`` is set the same test fails instead, so that a green CI means
every test ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def need(ok: object, reason: str) -> None:
    """Skip (or, under ``CI``, fail) the calling test unless ``ok`` holds."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so this cannot skip: {reason}")
    pytest.skip(reason)


def shared_dir() -> Path | None:
    """The design folder ``shared/`` beside the checkout (or the workplace's copy), if any."""
    for cand in (REPO.parent / "shared", Path("/work/shared")):
        if (cand / "design").is_dir():
            return cand
    return None


def shared_path(*parts: str) -> Path:
    """A path under ``shared/``; skips (fails under ``CI``) when ``shared/`` is absent."""
    root = shared_dir()
    need(root is not None and root.joinpath(*parts).exists(), f"needs ../shared/{'/'.join(parts)}")
    assert root is not None
    return root.joinpath(*parts)
