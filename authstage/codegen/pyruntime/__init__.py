"""The Python client runtime: copied verbatim into every generated Python client package.

These modules are the hand-written half of the generated client (``authstage codegen`` writes
the other half: the types and one method per action). They import only each other, httpx and
msgspec, never the server, so the generated package installs and runs on its own. Edit them
here; ``authstage codegen`` copies them out, and ``authstage codegen --check`` notices a copy
that differs.
"""

__all__: list[str] = []
