import { randomUUID } from 'node:crypto';

import { TOPIC_CONTRACTS, TOPICS, type ModelEvent } from '@shelfcast/contracts';
import type { Prisma } from '@shelfcast/db';

/** The `source` of every event the registry writes. */
export const REGISTRY_SOURCE = 'registry';

type ModelEventData<T extends ModelEvent['type']> = Extract<ModelEvent, { type: T }>['data'];

/** A model event in its envelope, validated against the topic's contract (a mismatch is our own bug). */
export function modelEvent<T extends ModelEvent['type']>(
  type: T,
  data: ModelEventData<T>,
  now = new Date(),
): ModelEvent {
  const event = {
    id: randomUUID(),
    type,
    source: REGISTRY_SOURCE,
    time: now.toISOString(),
    subject: `models/${data.modelName}`,
    data,
  };
  return TOPIC_CONTRACTS[TOPICS.models].schema.parse(event);
}

/**
 * Writes a model event into the outbox within the caller's transaction: it is published only if the
 * transaction commits, and the relay sends it after every event committed before it for the same model.
 */
export async function enqueueModelEvent(tx: Prisma.TransactionClient, event: ModelEvent): Promise<void> {
  await tx.modelOutboxEvent.create({
    data: {
      topic: TOPICS.models,
      key: TOPIC_CONTRACTS[TOPICS.models].key(event),
      event: event as unknown as Prisma.InputJsonValue,
    },
  });
}
