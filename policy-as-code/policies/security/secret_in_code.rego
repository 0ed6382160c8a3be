package sentinel.security.secret_in_code

import data.sentinel.lib

_meta := {
	"rule": "security.secret_in_code",
	"category": "security",
	"severity": "critical",
	"fix": "Remove the secret, rotate it, and load it from the environment or a secret store; mark false positives in the .secrets.baseline (is_secret: false) or with an allowlist comment.",
}

_params := lib.param("security", "secrets", {})

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
#   Every likely secret detect-secrets finds (the secrets document carries its type, file, line
#   and fingerprint, never the value) is denied unless the .secrets.baseline holds it and it is
#   not audited as a real secret. With allow_unaudited false, only audited false positives pass.
# custom:
#   id: security.secret_in_code
#   severity: critical
#   input: secrets
#   data:
#     - sentinel.params.security.secrets.allow_unaudited
#   fix: Remove and rotate the secret; mark false positives in the baseline.
deny_secret_in_code contains lib.finding(_meta, msg, f.file, f.line) if {
	input.kind == "secrets"
	some f in input.findings
	not _allowed(f)
	not lib.excepted("security.secret_in_code", f.file)
	msg := sprintf(
		"%s:%d: likely secret (%s, fingerprint %s). Remove it and rotate it; if it is not a secret, mark it in .secrets.baseline or with a `pragma: allowlist secret` comment.",
		[f.file, f.line, f.rule, substring(f.fingerprint, 0, 12)],
	)
}

exception contains ["secret_in_code"] if {
	input.kind == "secrets"
	"secret_in_code" in lib.excepted_rules("security")
}
