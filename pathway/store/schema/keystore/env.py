from pathway.store.schema.env_common import run

run()
