"""Officers' corrections as data: a value typed by an officer is parsed by
the same parsers as extraction (`values`), and the effective record is the
extraction with the corrections applied, its issues recomputed by the same
checks (`apply`). Below the ledger: no stage above `validate` is imported."""
