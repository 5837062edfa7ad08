"""Reading cases: the list, the case page and its panel registry, downloads, bundles, retention."""
