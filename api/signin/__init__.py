"""Signing in to the web pages: sessions, the sign-in and account pages, passwords through the API."""
