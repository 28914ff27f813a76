"""The audit trail (docs/audit.md): each ticket's workflow histories, every run of it, as an
export an auditor can verify, and the timeline read from them. Here, not in the API, so that the
API's audit routes, the worker (the archiving activity), the auditors' CLI and the tests all use
one copy:

- `manifest`: the export's digest chain and its check (pure: JSON in, JSON out);
- `timeline`: a ticket's timeline read from the histories' JSON (pure);
- `runs`: every run's history fetched from Temporal;
- `archive`: the audit archive, the histories kept in the read model's database once a
  ticket's workflow has ended;
- `source`: where a ticket's export comes from, the archive or else Temporal.

The only part of `models` that reads Temporal, and that imports, of `workflows`, its wire
vocabulary (tests/unit/test_import_rules.py)."""
