"""Canned responses (macros): the model is models/macros.py, the rendering rendering.py, who may
use and manage which macro and applying one service.py, the JSON API routes.py (docs/macros.md)."""
