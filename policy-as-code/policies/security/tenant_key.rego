package sentinel.security.tenant_key

import data.sentinel.lib

_meta := {
	"rule": "security.tenant_key",
	"category": "security",
	"severity": "critical",
	"fix": "Build the key, subject or topic from the tenant id (for example f\"{tenant_id}:orders:{order_id}\").",
}

_params := lib.param("security", "tenancy", {})

_paths := object.get(_params, "paths", ["**"])

_shared := object.get(_params, "shared_keys", [])

_is_shared(site) if {
	some pattern in _shared
	regex.match(pattern, site.key)
}

# METADATA
# title: Keys, subjects and topics carry a tenant id
# description: >-
#   In the configured paths, every cache key, message subject, topic or channel that the tenancy
#   extractor found must be built from a tenant identifier, so one tenant can never read or
#   overwrite another's data. Keys that are meant to be shared across tenants are listed in
#   shared_keys (regular expressions over the key's source text).
# custom:
#   id: security.tenant_key
#   severity: critical
#   input: tenancy
#   data:
#     - sentinel.params.security.tenancy.paths
#     - sentinel.params.security.tenancy.shared_keys
#   fix: Build the key from the tenant id.
deny_tenant_key contains lib.finding(_meta, msg, site.file, site.line) if {
	input.kind == "tenancy"
	some site in input.sites
	not site.has_tenant
	lib.path_in(site.file, _paths)
	not _is_shared(site)
	not lib.excepted("security.tenant_key", site.file)
	msg := sprintf(
		"%s:%d: %s %s for %s is built without a tenant id (%s). Include the tenant id in it, or list it in shared_keys if it is shared on purpose.",
		[site.file, site.line, site.sink_kind, site.key, site.sink, site.construction],
	)
}

exception contains ["tenant_key"] if {
	input.kind == "tenancy"
	"tenant_key" in lib.excepted_rules("security")
}
