"""One search for staff over tickets' conversations and the knowledge base (docs/search.md)."""
