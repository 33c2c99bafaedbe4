"""CLI commands, one module per group; each exposes ``register(app: typer.Typer)``.

The commands only bind arguments, call package functions and render their results; no clinical
logic lives here.
"""
