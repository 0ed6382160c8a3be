"""Sentinel: policy-as-code toolkit and CI guardian bot."""

__version__ = "0.1.0"
