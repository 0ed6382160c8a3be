"""The Sentinel bot: turns runner results into pull-request feedback and a merge gate.

It reads results in conftest's JSON shape and knows nothing of Rego. GitHub access sits
behind ``github_port.GitHubPort``; ``github_pygithub`` is the adapter used in production
and in the tests (against a local server that validates every call with GitHub's OpenAPI
description).
"""
