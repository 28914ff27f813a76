"""Signing in to the web pages: sessions, the sign-in page, passwords through the API
(the account page is the console's, api/console/account.py)."""
