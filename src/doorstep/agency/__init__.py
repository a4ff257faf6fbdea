"""The agency's own client: its key pair, and the evidence packages owners shared."""
