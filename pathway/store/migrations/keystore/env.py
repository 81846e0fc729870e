from pathway.store.migrations.env_common import run

run()
