"""``sentinel init``: a first configuration inferred from the repository (detect → render → write)."""
