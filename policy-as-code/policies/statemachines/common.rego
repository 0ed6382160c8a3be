# METADATA
# scope: subpackages
# title: State machines
# description: >-
#   Keeps state-machine documents (Markdown with front matter or Mermaid stateDiagram, TLA+) and
#   the code they cover in step: a change to covered code changes the document too, and the
#   document lists no state the code never names. Reads the statemachines document.
package sentinel.statemachines
