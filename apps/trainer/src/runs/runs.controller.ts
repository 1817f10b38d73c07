import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  CancelRunRequest,
  IdPath,
  CreateRunRequest,
  ListRunsQuery,
  type ListRunsResponse,
  type TrainingRun,
  type TrainingRunDetail,
} from '@shelfcast/contracts';

import { parseRequest } from '@shelfcast/observability';
import { RunsRepository, toView } from './runs.repository';
import { RunsService } from './runs.service';

/** Training runs: start, follow, list, cancel. */
@Controller('v1/runs')
export class RunsController {
  constructor(
    private readonly service: RunsService,
    private readonly runs: RunsRepository,
  ) {}

  @Post()
  @HttpCode(202)
  async create(@Body() body: unknown): Promise<TrainingRun> {
    return this.service.start(parseRequest(CreateRunRequest, body, 'body'));
  }

  @Get()
  async list(@Query() query: unknown): Promise<ListRunsResponse> {
    const page = await this.runs.list(parseRequest(ListRunsQuery, query, 'query'));
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  async get(@Param() params: unknown): Promise<TrainingRunDetail> {
    const { id } = parseRequest(IdPath, params, 'path');
    return this.runs.detail(id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  async cancel(@Param() params: unknown, @Body() body: unknown): Promise<TrainingRun> {
    const { id } = parseRequest(IdPath, params, 'path');
    const request = parseRequest(CancelRunRequest, body ?? {}, 'body');
    return this.service.cancel(id, request.actor, request.reason);
  }
}
