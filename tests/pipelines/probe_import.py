"""A module imported by test_start.py's background import (nothing else imports it)."""
