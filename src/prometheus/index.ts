/**
 * `kafkats/prometheus`: registers kafkats clients' metrics with a `prom-client` registry. Needs
 * `prom-client` installed beside kafkats.
 */
export {}
