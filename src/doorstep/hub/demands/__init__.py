"""Legal demands recorded by an admin, served with ciphertext only, owners notified."""
