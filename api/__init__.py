"""HTTP scoring API (FastAPI), a thin shell over `detector.engine`."""
