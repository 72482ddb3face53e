"""dbt-duckdb plugin: registers sftmart's Python UDFs on every connection dbt opens."""
from dbt.adapters.duckdb.plugins import BasePlugin

from udfs.registry import register_all


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        register_all(conn)
