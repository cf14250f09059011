/**
 * `kafkats/otel`: OpenTelemetry spans and metrics for kafkats clients, from the core's
 * diagnostics channels (nothing is patched). Needs `@opentelemetry/api` installed beside kafkats.
 */
export {}
