"""The decision service: `creditrules serve` (HTTP on FastAPI and uvicorn) and its decision log.

- `app.py`: the endpoints (`create_app(ServeConfig(...))`);
- `service.py`: what they do, without HTTP (options, evaluation, logging, explanation data, replay);
- `log.py`: the decision log, SQLite or PostgreSQL, written with group commits;
- `masking.py`: names and identifiers masked in the log (never in the answer);
- `cli.py`: `creditrules serve`, `creditrules log show|list|replay`.

See docs/service.md. FastAPI and uvicorn are needed only for `app.py` (the `serve` extra); the log, masking and
replay work without them.
"""
