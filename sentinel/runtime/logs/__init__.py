"""Decision logs (OPA's ``plugins/logs`` analog): one record per decision, in OPA's decision-log shape.

``record`` builds the record, ``mask`` applies OPA-style erase/upsert rules given as JSON pointers,
``sink`` is the port a record is written to (a JSONL file now), and ``logger`` puts records through a
bounded queue so a slow sink never slows a decision down.
"""
