package sentinel.security.tenant_key

import data.sentinel.lib

_meta := {"rule": "security.tenant_key"}

_params := lib.param("security", "tenancy", {})

_paths := object.get(_params, "paths", ["**"])

_shared := object.get(_params, "shared_keys", [])

_is_shared(site) if {
	some pattern in _shared
	regex.match(pattern, site.key)
}

_tenant(site) := object.get(site, "tenant", "present") if site.has_tenant

_tenant(site) := object.get(site, "tenant", "absent") if not site.has_tenant

_in_scope(site) if {
	lib.path_in(site.file, _paths)
	not _is_shared(site)
	not lib.excepted("security.tenant_key", site.file)
}

# METADATA
# title: Keys, subjects and topics carry a tenant id
# description: >-
#   In the configured paths, every cache key, message subject, topic or channel that the tenancy
#   extractor found must be built from a tenant identifier (a tenant id variable, a call that takes
#   one, or a literal tenant segment such as "tenant:{t}"), so one tenant can never read or
#   overwrite another's data. Keys that are meant to be shared across tenants are listed in
#   shared_keys (regular expressions over the key's source text). A key that is only a parameter
#   of the function using it (a generic wrapper) is a warning instead: its callers decide.
# custom:
#   id: security.tenant_key
#   severity: critical
#   input: tenancy
#   data:
#     - sentinel.params.security.tenancy.paths
#     - sentinel.params.security.tenancy.shared_keys
#   fix: >-
#     Build the key, subject or topic from the tenant id (for example
#     f"{tenant_id}:orders:{order_id}"); where a wrapper takes the key as a parameter, make every
#     caller pass one that carries the tenant id.
deny_tenant_key contains lib.finding(_meta, msg, site.file, site.line) if {
	input.kind == "tenancy"
	some site in input.sites
	_tenant(site) == "absent"
	_in_scope(site)
	msg := sprintf(
		"%s %s for %s is built without a tenant id (%s). Include the tenant id in it, or list it in shared_keys if it is shared on purpose.",
		[site.sink_kind, site.key, site.sink, site.construction],
	)
}

# METADATA
# title: Keys, subjects and topics carry a tenant id
# description: >-
#   In the configured paths, a cache key, subject or topic that is only a parameter of the
#   function using it (a generic wrapper) may or may not carry a tenant id: its callers decide.
#   A warning, so that the callers get checked.
# custom:
#   id: security.tenant_key
#   severity: medium
#   input: tenancy
#   data:
#     - sentinel.params.security.tenancy.paths
#     - sentinel.params.security.tenancy.shared_keys
#   fix: >-
#     Build the key, subject or topic from the tenant id (for example
#     f"{tenant_id}:orders:{order_id}"); where a wrapper takes the key as a parameter, make every
#     caller pass one that carries the tenant id.
warn_tenant_key contains lib.finding(_meta, msg, site.file, site.line) if {
	input.kind == "tenancy"
	some site in input.sites
	_tenant(site) == "unknown"
	_in_scope(site)
	msg := sprintf(
		"%s for %s is the parameter %s of the function, so whether it carries a tenant id depends on the callers. Check them, or build the key here from a tenant id.",
		[site.sink_kind, site.sink, site.key_parameter],
	)
}

exception contains ["tenant_key"] if {
	input.kind == "tenancy"
	"tenant_key" in lib.excepted_rules("security")
}
