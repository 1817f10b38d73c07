import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  CancelRunRequest,
  CreateRunRequest,
  ListRunsQuery,
  type ListRunsResponse,
  type TrainingRun,
  type TrainingRunDetail,
} from '@shelfcast/contracts';

import { validate } from '../http/validate';
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
    return this.service.start(validate(CreateRunRequest, body, 'body'));
  }

  @Get()
  async list(@Query() query: unknown): Promise<ListRunsResponse> {
    const page = await this.runs.list(validate(ListRunsQuery, query, 'query'));
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<TrainingRunDetail> {
    return this.runs.detail(id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  async cancel(@Param('id') id: string, @Body() body: unknown): Promise<TrainingRun> {
    const request = validate(CancelRunRequest, body ?? {}, 'body');
    return this.service.cancel(id, request.actor, request.reason);
  }
}
