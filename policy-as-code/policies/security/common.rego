# METADATA
# scope: subpackages
# title: Security
# description: >-
#   Guards tenant isolation and secrets: cache keys, subjects and topics carry a tenant id in the
#   configured paths, no wildcard reaches across tenants, no secret sits in the tree, and safety
#   modules fail closed. Reads the tenancy, secrets and safety documents.
package sentinel.security
