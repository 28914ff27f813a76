"""The agents' console (docs/console.md): queues, bulk actions, the ticket page and its live
part, on the same gateway and the same `act` update as the API (api/tickets/acting.py), and
the agent's account page (password, notifications), and the knowledge base's pages
(api/console/kb.py), and the search page (api/console/search.py)."""

from fastapi import APIRouter

from api.console import account, bulk, kb, live, macros, queues, search, ticket

router = APIRouter(include_in_schema=False)
for part in (queues.router, bulk.router, ticket.router, live.router, account.router, macros.router,
             kb.router, search.router):
    router.include_router(part)
