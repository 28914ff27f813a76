"""Reports for supervisors from the read model: their JSON/CSV routes (routes.py, the figures
themselves are models/reporting/) and the board of tickets about to breach (breaching.py). The
reports page (api/supervisor/) draws the same figures."""
