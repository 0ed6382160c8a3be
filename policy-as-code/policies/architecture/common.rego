# METADATA
# scope: subpackages
# title: Architecture
# description: >-
#   Guards the module structure: import contracts in the style of import-linter (forbidden,
#   layers, independence, acyclic siblings), no direct HTTP or socket clients outside the modules
#   allowed to use them, and no blocking calls inside async functions. Contracts name modules and
#   packages (a package covers everything inside it); they read the imports document.
package sentinel.architecture
