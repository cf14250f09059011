/**
 * The plug-in point for SASL mechanisms. A mechanism starts one session per authentication (the
 * first login and every KIP-368 re-authentication); the session turns the broker's bytes into the
 * client's next message until it is done. PLAIN, SCRAM and OAUTHBEARER are built in; anything else
 * (AWS IAM, Kerberos through a library …) implements these two interfaces.
 */

/** What a mechanism may need to know about the broker it authenticates to. */
export interface SaslContext {
  /** The broker's host as the client connects to it. */
  readonly host: string
  readonly port: number
}

/** The outcome of one server message. */
export interface SaslStep {
  /** True when the exchange is complete and nothing more is sent. */
  readonly done: boolean
  /** The next client message; required when `done` is false. */
  readonly response?: Uint8Array
}

/** One authentication exchange. */
export interface SaslSession {
  /** The client's first message (SASL mechanisms in Kafka are all client-first). */
  readonly initialResponse: Uint8Array
  /** Handles the broker's reply to the previous client message. Throwing aborts the exchange. */
  challenge(serverBytes: Uint8Array): SaslStep | Promise<SaslStep>
}

/** A SASL mechanism, such as `PLAIN` or a custom one. */
export interface SaslMechanism {
  /** The name sent in SaslHandshake, upper case as brokers list it (`SCRAM-SHA-256`). */
  readonly name: string
  /** Starts one exchange. Called for every new connection and every re-authentication. */
  authenticate(context: SaslContext): SaslSession | Promise<SaslSession>
}
