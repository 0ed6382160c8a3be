package sentinel.security.secret_in_code

import data.sentinel.lib

_meta := {"rule": "security.secret_in_code"}

_params := lib.param("security", "secrets", {})

# Contexts whose findings are warnings: sample values in tests, fixtures, docs, notebooks and
# CI service containers are the usual case there. A finding without a context is code.
_warn_contexts := object.get(_params, "warn_contexts", ["test", "fixture", "docs", "notebook", "ci"])

_context(f) := object.get(f, "context", "code")

_reported := [f |
	input.kind == "secrets"
	some f in input.findings
	not _allowed(f)
	not lib.excepted("security.secret_in_code", f.file)
]

_message(f) := sprintf(
	"likely secret (%s, fingerprint %s, in %s). Remove it and rotate it; if it is not a secret, mark it in .secrets.baseline or with a `pragma: allowlist secret` comment.",
	[f.rule, substring(f.fingerprint, 0, 12), _context(f)],
)

# A finding counts unless the baseline holds it and it was not audited as a real secret; with
# allow_unaudited false, baseline entries must be audited (is_secret: false) to pass.
_allowed(f) if {
	f.in_baseline
	f.is_secret == false
}

_allowed(f) if {
	f.in_baseline
	f.is_secret == null
	object.get(_params, "allow_unaudited", true) == true
}

# METADATA
# title: No secrets in code
# description: >-
#   Every likely secret detect-secrets finds in code (the secrets document carries its type,
#   file, line, context and fingerprint, never the value) is denied unless the .secrets.baseline
#   holds it and it is not audited as a real secret. With allow_unaudited false, only audited
#   false positives pass. Findings in the contexts of warn_contexts are warnings instead.
# custom:
#   id: security.secret_in_code
#   severity: critical
#   input: secrets
#   data:
#     - sentinel.params.security.secrets.allow_unaudited
#     - sentinel.params.security.secrets.warn_contexts
#   fix: >-
#     Remove the secret, rotate it, and load it from the environment or a secret store; mark false
#     positives in the .secrets.baseline (is_secret: false) or with an allowlist comment.
deny_secret_in_code contains lib.finding(_meta, _message(f), f.file, f.line) if {
	some f in _reported
	not _context(f) in _warn_contexts
}

# METADATA
# title: No secrets in code
# description: >-
#   The same check as deny_secret_in_code for findings whose context (test, fixture, docs,
#   notebook, ci: path globs of the secrets extractor, Rust #[cfg(test)] items) is listed in
#   warn_contexts: a warning, since sample and local service credentials are the usual case.
# custom:
#   id: security.secret_in_code
#   severity: medium
#   input: secrets
#   data:
#     - sentinel.params.security.secrets.allow_unaudited
#     - sentinel.params.security.secrets.warn_contexts
#   fix: >-
#     Remove the secret, rotate it, and load it from the environment or a secret store; mark false
#     positives in the .secrets.baseline (is_secret: false) or with an allowlist comment.
warn_secret_in_code contains lib.finding(_meta, _message(f), f.file, f.line) if {
	some f in _reported
	_context(f) in _warn_contexts
}

exception contains ["secret_in_code"] if {
	input.kind == "secrets"
	"secret_in_code" in lib.excepted_rules("security")
}
