"""Shop backend: public JSON API plus the legacy admin panel."""
