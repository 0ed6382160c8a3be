"""The HTTP decision service (OPA's ``server/`` analog): ``/v1/evaluate``, OPA's ``/v1/data`` API,
health, readiness and Prometheus metrics, on Starlette under uvicorn.

``app.create_app`` builds the ASGI app; ``server.serve`` runs it. Nothing here is imported by
``import sentinel``.
"""
