"""Piccolo migrations of the auth tables, shipped inside the package (Piccolo's
``piccolo_migrations`` folder convention) so an installed authstage can create its tables."""
