"""Uploaded files kept between the steps of an import (upload, preview, confirm), by owner and random token.

A file is named by its owner's id and a random token, so a confirm applies exactly the file that was
previewed and nobody else's; files older than a day are removed when a new one is kept.
"""

import hashlib
import json
import secrets
import tempfile
import time
from pathlib import Path

STALE_SECONDS = 24 * 3600


def folder() -> Path:
    path = Path(tempfile.gettempdir()) / "portfolio-imports"
    path.mkdir(exist_ok=True)
    return path


def keep(user, data: bytes) -> str:
    """Keep the upload; the token names it for its owner only."""
    path = folder()
    for old in path.glob("*.upload"):
        if old.stat().st_mtime < time.time() - STALE_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    (path / f"{user.pk}-{token}.upload").write_bytes(data)
    return token


def kept(user, token: str) -> Path:
    """The owner's kept upload (FileNotFoundError for another user's, an expired or a made-up token)."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        raise FileNotFoundError
    path = folder() / f"{user.pk}-{token}.upload"
    if not path.is_file():
        raise FileNotFoundError
    return path


def digest(shape) -> str:
    """A preview's outcome in a few bytes (JSON-able rows): the confirm must reproduce it exactly."""
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False).encode()).hexdigest()[:32]
