package sentinel.security.cross_tenant_wildcard

import data.sentinel.lib

_meta := {"rule": "security.cross_tenant_wildcard"}

# METADATA
# title: No wildcard across tenants
# description: >-
#   A key pattern, subject or topic with a wildcard (a * glob, or NATS's > token) that is not
#   scoped by a tenant id matches every tenant's data at once. Reports such sites anywhere in the
#   tree; a deliberate cross-tenant job needs an exception with its reason.
# custom:
#   id: security.cross_tenant_wildcard
#   severity: critical
#   input: tenancy
#   data: []
#   fix: >-
#     Scope the pattern to one tenant (tenant id before the wildcard), or go through an audited
#     cross-tenant job.
deny_cross_tenant_wildcard contains lib.finding(_meta, msg, site.file, site.line) if {
	input.kind == "tenancy"
	some site in input.sites
	site.wildcard
	not site.has_tenant
	not lib.excepted("security.cross_tenant_wildcard", site.file)
	msg := sprintf(
		"%s %s for %s holds a wildcard without a tenant id, so it reaches every tenant. Put the tenant id before the wildcard.",
		[site.sink_kind, site.key, site.sink],
	)
}

exception contains ["cross_tenant_wildcard"] if {
	input.kind == "tenancy"
	"cross_tenant_wildcard" in lib.excepted_rules("security")
}
