"""Token shards on disk and the batches the trainer draws from them."""
