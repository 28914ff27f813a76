"""The agents' console: queues and the ticket page, on the same gateway as the API."""
