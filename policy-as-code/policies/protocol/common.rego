# METADATA
# scope: subpackages
# title: Protocol
# description: >-
#   Guards the wire contract of the .proto files: no breaking change of the configured buf
#   strictness without an allowlist entry and its reason, no new required fields, deprecations
#   with a removal version, deleted fields reserved, and every .proto change shipped with its
#   spec and its tests.
package sentinel.protocol
