"""Renderers: the HTML/PDF committee report and the shared palette. They read results; they compute nothing clinical."""
