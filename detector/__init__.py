"""Sincere's inference library: tells a recipient whether a "personal" message was written for them or is
mass-produced (spam with a smile), and why. Training and the HTTP API build on it; it imports neither."""
