"""The published contract of the service's topics: the contract-event envelope, the JSON
Schemas, the AsyncAPI document and the compatibility rule between schema versions."""
