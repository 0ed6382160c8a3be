"""Why a bundle was refused: one exception family, each refusal with a stable ``reason`` code."""

from __future__ import annotations

from sentinel.errors import SentinelError


class BundleError(SentinelError):
    """A bundle (or a key for one) was refused. ``reason`` is a stable code for logs, tests and metrics."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason

    def __reduce__(self) -> tuple[type[BundleError], tuple[str, str]]:  # type: ignore[override]
        return (type(self), (self.reason, self.message.partition(": ")[2]))


class ArchiveError(BundleError):
    """The tar.gz is unsafe or corrupt (path escape, link, bomb, duplicate name)."""


class ManifestError(BundleError):
    """The ``.manifest`` or the bundle's layout is invalid (overlapping roots, data outside the roots)."""


class KeyLoadError(BundleError):
    """A signing or verification key could not be loaded or does not fit its algorithm."""


class VerificationError(BundleError):
    """The signature, the file set or a digest does not match: the bundle must not be activated."""
