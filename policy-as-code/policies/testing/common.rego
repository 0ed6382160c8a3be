# METADATA
# scope: subpackages
# title: Testing
# description: >-
#   Guards the tests that come with a change: logic in core paths changes with a test, changes
#   across layers come with an integration test, async tests do not sleep, total coverage does
#   not drop beyond the tolerance and the changed lines are covered. Changes-aware rules read the
#   changes document (a base revision is needed); coverage rules read the coverage document.
package sentinel.testing
