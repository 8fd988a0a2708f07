"""SESSION_ENGINE module for sessions read through the shared cache (see sessions.py)."""

from kontaktpflege.accounts.sessions import CachedSessionStore as SessionStore

__all__ = ["SessionStore"]
