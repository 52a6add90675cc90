"""Generated clients: the app's actions as typed TypeScript and Python functions.

``authstage codegen`` loads the app, builds one model of its actions (schema.py: names,
parameters and results as JSON Schema) and writes two clients from it:

- ``client/ts``: ``src/actions.ts`` (typed functions and types, typescript.py) beside a small
  fetch-only runtime, with ``package.json`` and ``tsconfig.json``;
- ``client/python``: an installable package, ``authstage_client``, with msgspec types, an
  ``AsyncClient`` and a ``Client`` (python.py, pytypes.py) beside a runtime over httpx.

The output is a pure function of the actions: generating twice gives byte-identical files, and
``authstage codegen --check`` fails when the checked-in clients differ from what would be
generated (CI runs it). The clients carry action *names*, never IDs: IDs depend on the server
secret, so the runtime reads them from the server's manifest (manifest.py).
"""

from __future__ import annotations

from authstage.codegen.files import GeneratedFiles, generate
from authstage.schema import ClientModel, build_model

__all__ = ["ClientModel", "GeneratedFiles", "build_model", "generate"]
