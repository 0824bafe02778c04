"""disclosure-etl: harvest, parse, reconcile government disclosure catalogs."""
__version__ = "0.1.0"
