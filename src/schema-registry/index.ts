/**
 * `kafkats/schema-registry`: a Confluent-compatible schema registry client and the Avro, JSON
 * Schema and Protobuf serdes that plug into the producer and consumer.
 */
export {}
