"""Training mode (``[runtime]`` extra): ``lock.TrainingLock`` is the per-tenant Redis lock,
``mode.TrainingMode`` the decided, audited enable/disable on top of it. Importing this package imports
nothing else."""
