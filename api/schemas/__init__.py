"""The API's pydantic schemas: request bodies and the read models' rows as responses."""
