"""Presentation: views of counted data, and every output format (table, json, csv, markdown, ...)."""
