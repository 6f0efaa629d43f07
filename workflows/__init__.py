"""State machines of the hall, as data plus small callbacks, built once at import."""
