import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ListSchedulesQuery, ScheduleRequest, type TrainingSchedule } from '@shelfcast/contracts';

import { validate } from '../http/validate';
import { SchedulesService } from './schedules.service';

/** Repeatable retraining per model: cron schedules backed by BullMQ job schedulers. */
@Controller('v1/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown): Promise<TrainingSchedule> {
    return this.schedules.create(validate(ScheduleRequest, body, 'body'));
  }

  @Get()
  async list(@Query() query: unknown): Promise<{ items: TrainingSchedule[] }> {
    const { modelName } = validate(ListSchedulesQuery, query, 'query');
    return { items: await this.schedules.list(modelName) };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<TrainingSchedule> {
    return this.schedules.get(id);
  }

  @Put(':id')
  async replace(@Param('id') id: string, @Body() body: unknown): Promise<TrainingSchedule> {
    return this.schedules.replace(id, validate(ScheduleRequest, body, 'body'));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.schedules.remove(id);
  }
}
