"""The reports' figures, from the read model's rows (models/reports.py): business time on each
ticket's SLA calendar minus its pauses (clock.py), statistics, and each report as JSON and as a
CSV table (figures.py). The JSON/CSV routes (api/reports/), the reports page (api/supervisor/)
and the scheduled report mails (activities/report_mail.py) all compute them here, so they agree.

The one part of `models` that reads the SLA arithmetic of `workflows` (business_time, sla,
sla_types: pure, no Temporal): the figures must be measured as the SLA clocks measure
(tests/unit/test_import_rules.py)."""
