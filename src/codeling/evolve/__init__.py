"""Population training: many small models trained as one batched computation, evolved by PBT or
clone-and-mutate (loop.py), locally or as Ray Tune trials (ray_backend.py)."""
