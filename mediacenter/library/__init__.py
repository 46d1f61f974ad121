"""Importing a library: walking folders, reading names and .nfo files, probing, scanning."""
