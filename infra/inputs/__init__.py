"""The one validation layer at the service's boundaries (scenario files, Kafka, HTTP).

Every value that enters from outside is read through a pydantic model built from the bounded
types of `infra.inputs.types`, with unknown fields forbidden; the published JSON Schemas are
generated from the same models, so what a schema accepts the service accepts.
"""
