"""Import every resource module so its routes register on the API blueprint."""
