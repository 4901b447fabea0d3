"""The staff register: people, their trainings and roles, and managing their accounts."""
