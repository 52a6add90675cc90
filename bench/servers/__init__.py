"""One module per benchmarked server, each with a ``create_app()`` factory for uvicorn.

=======================  ==========================================================
``noop_authstage``       the ``add`` action through ``POST /_action`` (1 action)
``noop_post``            a Litestar ``@post`` route taking a msgspec Struct
``noop_asgi``            a Litestar ``@asgi`` handler decoding/encoding by hand
``registry_10k``         ``add`` through ``POST /_action`` among 10,000 actions
``db_authstage``         an action inserting one row through Piccolo (PostgreSQL)
``db_raw``               a Litestar ``@post`` route inserting it through raw asyncpg
=======================  ==========================================================
"""
