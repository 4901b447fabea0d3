"""The staff register: people, their trainings and roles, managing their accounts, and the
supervisor's view of their work."""
