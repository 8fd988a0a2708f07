"""Background work of the recruiting side (tasks take ids and call a service)."""
