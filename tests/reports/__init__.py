"""Tests of the annual-report parser (disclosure_etl.reports)."""
