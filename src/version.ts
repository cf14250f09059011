/**
 * The name and version kafkats reports to brokers in ApiVersions (KIP-511). Brokers accept only
 * `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`, so keep the version free of `+` build suffixes.
 */
export const CLIENT_SOFTWARE_NAME = 'kafkats'
export const CLIENT_SOFTWARE_VERSION = '0.1.0'
