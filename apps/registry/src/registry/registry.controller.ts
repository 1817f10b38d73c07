import {
  Body,
  Catch,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Res,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import {
  ActorReasonRequest,
  AliasPath,
  ARTIFACT_SHA256_HEADER,
  AuditQuery,
  EvaluationRequest,
  ModelPath,
  MoveAliasRequest,
  RegisterVersionRequest,
  SearchVersionsQuery,
  VersionPath,
  type AliasMoveResult,
  type AuditPage,
  type EvaluationList,
  type GateRefusedResponse,
  type ModelSummary,
  type ModelVersion,
  type VersionPage,
} from '@shelfcast/contracts';
import type { FastifyReply } from 'fastify';

import { parseRequest as parse } from '@shelfcast/observability';
import { GateRefusedError, ModelRegistry } from './registry.service';

/** A gate refusal: the platform's error body plus the gate's figures. */
@Catch(GateRefusedError)
export class GateRefusedFilter implements ExceptionFilter {
  catch(error: GateRefusedError, host: ArgumentsHost): void {
    const body: GateRefusedResponse = {
      error: { status: 409, code: error.gate.outcome as 'gate_refused', message: error.message, gate: error.gate },
    };
    void host.switchToHttp().getResponse<FastifyReply>().code(409).send(body);
  }
}

@Controller('v1/models')
@UseFilters(GateRefusedFilter)
export class RegistryController {
  constructor(@Inject(ModelRegistry) private readonly registry: ModelRegistry) {}

  /** 201 with the new version, or 200 with the version already registered for this run id. */
  @Post(':name/versions')
  async register(@Param() params: unknown, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const { name } = parse(ModelPath, params, 'path');
    const request = parse(RegisterVersionRequest, body, 'body');
    const { created, version } = await this.registry.register(name, request);
    await reply
      .code(created ? 201 : 200)
      .header('location', `/v1/models/${name}/versions/${version.version}`)
      .send(version);
  }

  @Get()
  search(@Query() query: unknown): Promise<VersionPage> {
    return this.registry.search(parse(SearchVersionsQuery, query, 'query'));
  }

  @Get(':name')
  model(@Param() params: unknown): Promise<ModelSummary> {
    return this.registry.getModel(parse(ModelPath, params, 'path').name);
  }

  @Get(':name/versions/:version')
  version(@Param() params: unknown): Promise<ModelVersion> {
    const { name, version } = parse(VersionPath, params, 'path');
    return this.registry.getVersion(name, version);
  }

  @Get(':name/versions/:version/artifact')
  async artifact(@Param() params: unknown, @Res() reply: FastifyReply): Promise<void> {
    const { name, version } = parse(VersionPath, params, 'path');
    const artifact = await this.registry.getArtifact(name, version);
    await reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(artifact.bytes.length))
      .header(ARTIFACT_SHA256_HEADER, artifact.sha256)
      .header('etag', `"${artifact.sha256}"`)
      .header('content-disposition', `attachment; filename="${name}-v${version}.onnx"`)
      .send(artifact.bytes);
  }

  @Post(':name/versions/:version/archive')
  @HttpCode(200)
  archive(@Param() params: unknown, @Body() body: unknown): Promise<ModelVersion> {
    const { name, version } = parse(VersionPath, params, 'path');
    return this.registry.archive(name, version, parse(ActorReasonRequest, body, 'body'));
  }

  /** 201 with the new evaluation, or 200 with the one already added by this run id. */
  @Post(':name/versions/:version/evaluations')
  async addEvaluation(@Param() params: unknown, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const { name, version } = parse(VersionPath, params, 'path');
    const { created, evaluation } = await this.registry.addEvaluation(
      name,
      version,
      parse(EvaluationRequest, body, 'body'),
    );
    await reply.code(created ? 201 : 200).send(evaluation);
  }

  @Get(':name/versions/:version/evaluations')
  async evaluations(@Param() params: unknown): Promise<EvaluationList> {
    const { name, version } = parse(VersionPath, params, 'path');
    return { items: await this.registry.listEvaluations(name, version) };
  }

  @Get(':name/aliases/:alias')
  alias(@Param() params: unknown): Promise<ModelVersion> {
    const { name, alias } = parse(AliasPath, params, 'path');
    return this.registry.getAlias(name, alias);
  }

  @Put(':name/aliases/:alias')
  moveAlias(@Param() params: unknown, @Body() body: unknown): Promise<AliasMoveResult> {
    const { name, alias } = parse(AliasPath, params, 'path');
    return this.registry.moveAlias(name, alias, parse(MoveAliasRequest, body, 'body'));
  }

  @Post(':name/aliases/:alias/rollback')
  @HttpCode(200)
  rollback(@Param() params: unknown, @Body() body: unknown): Promise<AliasMoveResult> {
    const { name, alias } = parse(AliasPath, params, 'path');
    return this.registry.rollback(name, alias, parse(ActorReasonRequest, body, 'body'));
  }

  @Get(':name/audit')
  audit(@Param() params: unknown, @Query() query: unknown): Promise<AuditPage> {
    const { name } = parse(ModelPath, params, 'path');
    return this.registry.audit(name, parse(AuditQuery, query, 'query'));
  }
}
