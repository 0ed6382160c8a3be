"""Size limits for reading bundles: every bundle may have been written by an attacker."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Upper bounds checked while reading; exceeding any of them refuses the bundle.

    ``max_total_bytes`` counts decompressed bytes as they come out of gzip (tar headers included), so a
    gzip bomb is stopped after that many bytes, whatever its headers claim.
    """

    max_archive_bytes: int = 64 * MiB
    max_total_bytes: int = 256 * MiB
    max_file_bytes: int = 64 * MiB
    max_files: int = 20_000
    max_name_bytes: int = 1024
    max_signatures_bytes: int = 1 * MiB
