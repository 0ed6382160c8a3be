"""Policy bundles in OPA's format: safe archive reading, OPA's file hashing, JWT signatures, the reader.

Modules: ``archive`` (safe, reproducible tar.gz), ``hashing`` (OPA's file digests and the constitution
hash), ``manifest`` (``.manifest``), ``signing`` (keys, ``.signatures.json``), ``build`` (a bundle from
folders), ``reader`` (bytes or path to a verified :class:`~sentinel.runtime.bundles.reader.Bundle`).
Nothing is imported here, so ``import sentinel.runtime.bundles`` needs no optional dependency.
"""
