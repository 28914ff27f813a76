"""Reports for supervisors from the read model: their JSON/CSV routes (routes.py, the figures
themselves are models/reporting/), the scheduled report mails (subscriptions.py, each a
Temporal Schedule) and the board of tickets about to breach (breaching.py). The reports page
(api/supervisor/) draws the same figures."""
