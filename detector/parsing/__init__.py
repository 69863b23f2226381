"""Turning what users hand us (RFC 822, HTML, transcripts, replies) into plain text."""
