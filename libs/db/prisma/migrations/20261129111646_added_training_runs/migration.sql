-- CreateTable
CREATE TABLE "training_runs" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "stage" TEXT,
    "percent" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "model_name" TEXT NOT NULL,
    "model_version" INTEGER,
    "spec" JSONB NOT NULL,
    "stage_ms" JSONB NOT NULL DEFAULT '{}',
    "metrics" JSONB,
    "result" JSONB,
    "error" TEXT,
    "error_kind" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 1,
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "trigger" TEXT NOT NULL DEFAULT 'api',
    "schedule_id" TEXT,
    "parent_id" TEXT,
    "worker" TEXT,
    "requested_by" TEXT NOT NULL DEFAULT 'system',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(6),
    "finished_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "training_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "training_run_logs" (
    "id" BIGSERIAL NOT NULL,
    "run_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "level" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "fields" JSONB,

    CONSTRAINT "training_run_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "training_candidates" (
    "run_id" TEXT NOT NULL,
    "registration" JSONB NOT NULL,
    "artifact" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "training_candidates_pkey" PRIMARY KEY ("run_id")
);

-- CreateTable
CREATE TABLE "training_schedules" (
    "id" TEXT NOT NULL,
    "model_name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "spec" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "description" TEXT,
    "created_by" TEXT NOT NULL DEFAULT 'system',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "training_schedules_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "training_runs_created_at_id_idx" ON "training_runs"("created_at", "id");

-- CreateIndex
CREATE INDEX "training_runs_status_created_at_idx" ON "training_runs"("status", "created_at");

-- CreateIndex
CREATE INDEX "training_runs_model_name_status_created_at_idx" ON "training_runs"("model_name", "status", "created_at");

-- CreateIndex
CREATE INDEX "training_runs_parent_id_idx" ON "training_runs"("parent_id");

-- CreateIndex
CREATE INDEX "training_run_logs_run_id_id_idx" ON "training_run_logs"("run_id", "id");

-- CreateIndex
CREATE INDEX "training_schedules_model_name_idx" ON "training_schedules"("model_name");

-- AddForeignKey
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "training_runs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "training_run_logs" ADD CONSTRAINT "training_run_logs_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "training_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "training_candidates" ADD CONSTRAINT "training_candidates_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "training_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
