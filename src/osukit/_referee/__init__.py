"""Internals of ``osukit.referee`` (models, the SignalR layer, the connection engine, the room model)."""
