"""Audit trails read from the tickets' Temporal workflow histories (docs/audit.md):
`runs` fetches every run's history, `timeline` reads them, `manifest` seals an export."""
