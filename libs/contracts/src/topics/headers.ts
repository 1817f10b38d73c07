/** Kafka header names the platform writes; one place so producers and readers agree. */
export const HEADERS = {
  contentType: 'content-type',
  eventType: 'ce-type',
  eventId: 'ce-id',
  eventSource: 'ce-source',
  traceparent: 'traceparent',
  /** Dead-letter headers: why and where a message failed. */
  error: 'x-shelfcast-error',
  errorKind: 'x-shelfcast-error-kind',
  originTopic: 'x-shelfcast-origin-topic',
  originPartition: 'x-shelfcast-origin-partition',
  originOffset: 'x-shelfcast-origin-offset',
  originGroup: 'x-shelfcast-origin-group',
  attempts: 'x-shelfcast-attempts',
  failedAt: 'x-shelfcast-failed-at',
} as const;

export type DeadLetterKind = 'invalid' | 'processing';

/** The headers every event record carries (content type and the envelope's type, id and source). */
export function eventHeaders(event: { id: string; type: string; source: string }): Record<string, string> {
  return {
    [HEADERS.contentType]: 'application/json',
    [HEADERS.eventType]: event.type,
    [HEADERS.eventId]: event.id,
    [HEADERS.eventSource]: event.source,
  };
}
