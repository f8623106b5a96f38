"""The imperative shell: the service pipe, storage, scheduling, pacing, logs and metrics."""
