# METADATA
# scope: subpackages
# title: Technical debt
# description: >-
#   Keeps debt visible and bounded: every work-left-undone marker in a comment names a ticket,
#   tickets that look like registry ids exist in the registry, registry items carry a severity,
#   an owner and a TTL, no item outlives its TTL, and debt in core paths is tracked in the
#   registry. Reads the todos and techdebt documents.
package sentinel.technical_debt
