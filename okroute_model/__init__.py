"""The contract model: every limit, status, error text, schema and rule, written once."""
