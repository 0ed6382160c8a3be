"""The policy gateway (``[runtime]`` extra): ``middleware.PolicyGateway`` verifies the token and decides each
request before the app runs; ``deciders`` has the in-process and remote deciders, ``metrics`` the counters.

Importing this package imports nothing else; each module imports its dependencies itself.
"""
