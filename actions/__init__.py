"""The auth-stage demo app: its actions, tables, pages and the app assembly (``actions.app``)."""
