"""Small order/accounts API used by the storefront."""

__version__ = "0.1.0"
