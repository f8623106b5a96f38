"""The pure core: the engine, its rules and the values they work on. No I/O, no clock, no SDK."""
