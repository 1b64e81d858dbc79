"""Stand-in of the SimVX namespace (tests only)."""
