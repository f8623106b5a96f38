"""The composition: settings, the one composition root, the runner and the command line."""
