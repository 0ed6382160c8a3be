"""An import-linter configuration for tests: an `app` package with two layers, api over domain."""

APP_LAYERS = """\
[importlinter]
root_package = app

[importlinter:contract:layers]
name = app layers
type = layers
layers =
    app.api
    app.domain
"""
