"""Reports for supervisors from the read model: the figures (figures.py, with the SLA clock's
arithmetic for them in clock.py), their JSON/CSV routes (routes.py) and the board of tickets
about to breach (breaching.py). The reports page (api/supervisor/) draws the same figures."""
