import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { IdPath, ListSchedulesQuery, ScheduleRequest, type TrainingSchedule } from '@shelfcast/contracts';

import { parseRequest } from '@shelfcast/observability';
import { SchedulesService } from './schedules.service';

/** Repeatable retraining per model: cron schedules backed by BullMQ job schedulers. */
@Controller('v1/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown): Promise<TrainingSchedule> {
    return this.schedules.create(parseRequest(ScheduleRequest, body, 'body'));
  }

  @Get()
  async list(@Query() query: unknown): Promise<{ items: TrainingSchedule[] }> {
    const { modelName } = parseRequest(ListSchedulesQuery, query, 'query');
    return { items: await this.schedules.list(modelName) };
  }

  @Get(':id')
  async get(@Param() params: unknown): Promise<TrainingSchedule> {
    const { id } = parseRequest(IdPath, params, 'path');
    return this.schedules.get(id);
  }

  @Put(':id')
  async replace(@Param() params: unknown, @Body() body: unknown): Promise<TrainingSchedule> {
    const { id } = parseRequest(IdPath, params, 'path');
    return this.schedules.replace(id, parseRequest(ScheduleRequest, body, 'body'));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param() params: unknown): Promise<void> {
    const { id } = parseRequest(IdPath, params, 'path');
    await this.schedules.remove(id);
  }
}
