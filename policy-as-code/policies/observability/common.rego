# METADATA
# scope: subpackages
# title: Observability
# description: >-
#   Guards what running services tell their operators: every public HTTP handler counts its
#   requests in a metric, handlers log structurally and open a trace span, and service code logs
#   through structured loggers rather than print or formatted strings. Reads the observability
#   document.
package sentinel.observability
