"""The language server: diagnostics while typing, hovers, quick fixes."""
