"""Analyses over counted designs: comparison, differences and budget checks."""
