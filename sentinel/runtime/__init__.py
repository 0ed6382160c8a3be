"""Runtime governance: the CI policies deciding requests inside services (extra ``[runtime]``).

Each concern is a subpackage (``decision``, ``api``, ``risk``, ``bundles``, ``trace``, ``events``, ...).
Nothing here is imported by ``import sentinel`` or by the CI commands, and every module imports
without its optional dependencies until it is used.
"""
