"""Stand-in of ``simvx.core`` (tests only): the audio modules, from SIMVX-ORIGINAL §1–§9."""
