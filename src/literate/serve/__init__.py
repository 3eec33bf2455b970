"""``literate serve``: a local web page and JSON API over one loaded reader.

``app.create_app`` builds the FastAPI app (``app.serve_command`` runs it under uvicorn);
``jobs`` queues requests for the one model; ``uploads`` streams an upload into a private
folder under a size limit; ``probe`` refuses a hostile file from its headers. The page in
``static/`` is plain HTML, CSS and JavaScript: no build step, nothing from a CDN.
Importing this package imports none of them, so the CLI starts fast.
"""
