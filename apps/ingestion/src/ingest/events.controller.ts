import type { Readable } from 'node:stream';

import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { IngestResponse } from '@shelfcast/contracts';
import type { ApiKeyIdentity } from '@shelfcast/db';
import { ApiError } from '@shelfcast/observability';
import type { FastifyRequest } from 'fastify';

import { INGESTION_CONFIG } from '../tokens';
import type { IngestionConfig } from '../config';
import { itemsFromCsv, itemsFromJson, itemsFromNdjson } from './item-sources';
import { IngestService } from './ingest.service';

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];
export const CSV_TYPES = ['text/csv'];

/** The identity the onRequest hook put on the request after checking its API key. */
export function identityOf(request: FastifyRequest): ApiKeyIdentity {
  const identity = (request as FastifyRequest & { identity?: ApiKeyIdentity }).identity;
  if (!identity) throw new ApiError(401, 'unauthorized', 'an API key is required');
  return identity;
}

@Controller('v1')
export class EventsController {
  constructor(
    private readonly ingest: IngestService,
    @Inject(INGESTION_CONFIG) private readonly config: IngestionConfig,
  ) {}

  /** A batch of retail events: JSON array, NDJSON stream, or CSV of sales. */
  @Post('events')
  @HttpCode(202)
  async events(@Req() request: FastifyRequest): Promise<IngestResponse> {
    const identity = identityOf(request);
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const limits = { maxLineBytes: this.config.INGEST_MAX_LINE_BYTES };
    if (type === 'application/json') {
      return this.ingest.ingest(identity, itemsFromJson(request.body), {
        mode: 'whole',
        maxEvents: this.config.INGEST_MAX_BATCH_EVENTS,
      });
    }
    if (NDJSON_TYPES.includes(type)) {
      return this.ingest.ingest(
        identity,
        itemsFromNdjson(request.body as Readable, { ...limits, maxBytes: this.config.INGEST_MAX_STREAM_BYTES }),
        { mode: 'stream', maxEvents: this.config.INGEST_MAX_STREAM_EVENTS },
      );
    }
    if (CSV_TYPES.includes(type)) {
      return this.ingest.ingest(
        identity,
        itemsFromCsv(request.body as Readable, identity.source, {
          ...limits,
          maxBytes: this.config.INGEST_MAX_BODY_BYTES,
        }),
        { mode: 'whole', maxEvents: this.config.INGEST_MAX_BATCH_EVENTS },
      );
    }
    throw new ApiError(
      415,
      'unsupported_media_type',
      `unsupported content type '${type || '(none)'}'; send application/json, application/x-ndjson or text/csv`,
    );
  }
}
