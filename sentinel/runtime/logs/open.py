"""Which decision-log sink a service writes, from its options and the feature flags.

Without a checkpoint key the log is OPA's decision log (JSON Lines, ``FileSink``). With one
(``--trace-key``) it is the audit trace (docs/audit.md): the hash-chained v2 trace with signed
checkpoints when the ``decision_trace_v2`` feature is on (the default in every edition), or, with
the feature off, the v1 trace: one plain record per line, which ``sentinel trace migrate`` turns
into v2 later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sentinel.errors import UsageError
from sentinel.runtime.edition import Feature, resolve
from sentinel.runtime.logs.sink import DecisionLogSink, FileSink


def open_decision_log(
    path: str | None, *, trace_key: str | None = None, environ: Mapping[str, str] | None = None
) -> DecisionLogSink | None:
    """The sink for ``--decision-log PATH`` (None without one); usage errors name the option."""
    if path is None:
        if trace_key is not None:
            raise UsageError("--trace-key goes with --decision-log FILE (the trace it signs)")
        return None
    features = resolve(os.environ if environ is None else environ)
    try:
        if trace_key is None or not features.enabled(Feature.DECISION_TRACE_V2):
            return FileSink(path)
        from sentinel.runtime.trace.checkpoint import Signer
        from sentinel.runtime.trace.sink import TraceSink
        from sentinel.runtime.trace.writer import TraceWriter

        return TraceSink(TraceWriter(path, Signer.from_pem(trace_key)))
    except OSError as exc:
        raise UsageError(f"--decision-log {path}: {exc.strerror or exc}") from None
