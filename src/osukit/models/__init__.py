"""Typed models for every osu! API response (one module per API group)."""
