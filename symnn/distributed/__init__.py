"""Work spread over a Dask cluster: a whole class's answers graded, experiment sweeps run.

Dask distributed is imported only when a cluster is opened, so ``import symnn`` stays
light. :mod:`symnn.distributed.cluster` opens a client (a local cluster of worker
processes, or an existing scheduler by address); :mod:`symnn.distributed.journal` keeps
the results of finished tasks in an append-only file, so a run that is stopped and
started again does each task once.
"""
