"""The knowledge base (docs/knowledge-base.md): articles with every version kept, their files,
the one Markdown rendering (rendering.py) and the articles' service (articles.py)."""
