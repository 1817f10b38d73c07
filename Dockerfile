# syntax=docker/dockerfile:1
# One recipe for the six services; APP picks the service:
#   docker build --build-arg APP=ingestion -t shelfcast/ingestion .
# APP: ingestion | features | trainer | registry | inference | admin-api
# The same image runs migrations: docker run --rm -e DATABASE_URL=... shelfcast/registry npm run db:migrate
#
# Stages: base (Node 20 + the npm the lockfile was made with) -> manifests (workspace package.json
# files only, so that source edits keep the npm ci layer cached) -> deps (npm ci) -> build (Prisma
# client generated, whole repo type-checked) -> prod-deps (dev packages pruned) -> runtime (non-root,
# tini, one app).

ARG NODE_IMAGE=node:20-bookworm-slim
ARG NPM_VERSION=11.19.1

FROM ${NODE_IMAGE} AS base
ARG NPM_VERSION
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
RUN npm install -g --loglevel=error "npm@${NPM_VERSION}" && npm --version

FROM base AS manifests
COPY libs ./libs
RUN find libs -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} +

FROM base AS deps
# onnxruntime-node's install script downloads CUDA libraries; its CPU binaries are in the package.
# It also ships binaries for every OS and CPU (~290 MB): only this platform's are kept.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY --from=manifests /app/libs ./libs
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --loglevel=error \
 && arch="$(node -p process.arch)" \
 && for d in node_modules/onnxruntime-node/bin/napi-v*; do \
      [ -d "$d" ] || continue; \
      find "$d" -mindepth 1 -maxdepth 1 -type d ! -name linux -exec rm -rf {} +; \
      find "$d/linux" -mindepth 1 -maxdepth 1 -type d ! -name "$arch" -exec rm -rf {} +; \
    done

FROM deps AS build
COPY . .
RUN npm run db:generate && npm run typecheck

# Runtime packages only (TypeScript runs through @swc-node/register, which package.json lists with them).
FROM deps AS prod-deps
RUN npm prune --omit=dev --loglevel=error

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/package-lock.json /app/.npmrc /app/.swcrc /app/tsconfig.base.json /app/tsconfig.json ./
COPY --from=build /app/libs ./libs
COPY --from=build /app/scripts/db.mjs ./scripts/db.mjs
ARG APP
RUN case "${APP}" in \
      ingestion|features|trainer|registry|inference|admin-api) ;; \
      *) echo "build with --build-arg APP=ingestion|features|trainer|registry|inference|admin-api (got '${APP}')" >&2; exit 1 ;; \
    esac
COPY --from=build /app/apps/${APP} ./apps/${APP}
ENV APP=${APP}
USER node
# Liveness on the service's HTTP port (the trainer serves health on METRICS_PORT).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const p=process.env.PORT||process.env.METRICS_PORT||3000;fetch('http://127.0.0.1:'+p+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# apps/$APP/node-flags: the service's own Node flags (npm start reads the same file).
CMD ["sh", "-c", "exec node $(cat apps/$APP/node-flags 2>/dev/null) -r @swc-node/register apps/$APP/src/main.ts"]
