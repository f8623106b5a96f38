from tests.storage.fixtures import database_url, engine

__all__ = ["database_url", "engine"]
