"""One module per benchmarked server, each with a ``create_app()`` factory for uvicorn.

=======================  ==========================================================
``noop_authstage``       the ``add`` action through ``POST /_action`` (1 action)
``noop_post``            a Litestar ``@post`` route taking a msgspec Struct
``noop_asgi``            a Litestar ``@asgi`` handler decoding/encoding by hand
``registry_10k``         ``add`` through ``POST /_action`` among 10,000 actions
``db_authstage``         an action inserting one row through Piccolo's ORM (PostgreSQL)
``db_authstage_sql``     an action inserting it with hand-written SQL through Piccolo
``db_raw``               a Litestar ``@post`` route inserting it through raw asyncpg
``auth_authstage``       an action requiring a signed-in user (``AuthConfig``)
``auth_post``            a Litestar ``@post`` route reading the same session by hand
``noop_fastapi``         a FastAPI ``@app.post`` route taking a pydantic model
``db_fastapi``           a FastAPI ``@app.post`` route inserting the row through asyncpg
=======================  ==========================================================

``sessions`` holds what the signed-in peers share (the bench user and its session). The
Next.js peers are not here: they are server actions of the app in ``bench/nextjs/``.
"""
