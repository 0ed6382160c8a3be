"""The cloud control channel and the governance API clients (enterprise, off by default).

Nothing here runs unless the ``cloud_sync`` feature is on (``docs/cloud.md``). Importing this package
imports neither ``websockets`` nor ``httpx``: the channel and the clients import them when they are
built, so a community install with the feature off opens no socket and loads no network library.
"""

from __future__ import annotations
