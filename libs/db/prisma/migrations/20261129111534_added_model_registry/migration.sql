-- CreateTable
CREATE TABLE "registered_models" (
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "latest_version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "registered_models_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "model_versions" (
    "id" BIGSERIAL NOT NULL,
    "model_name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "run_id" TEXT NOT NULL,
    "family" TEXT NOT NULL,
    "feature_set" TEXT NOT NULL,
    "artifact_format" TEXT NOT NULL,
    "artifact_sha256" TEXT NOT NULL,
    "artifact_size" INTEGER NOT NULL,
    "artifact_uri" TEXT NOT NULL,
    "signature" JSONB NOT NULL,
    "hyper_parameters" JSONB NOT NULL,
    "metrics" JSONB NOT NULL,
    "windows_key" TEXT NOT NULL,
    "dataset" JSONB NOT NULL,
    "code_version" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "tags" JSONB NOT NULL DEFAULT '{}',
    "description" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "archived_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_artifacts" (
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_artifacts_pkey" PRIMARY KEY ("sha256")
);

-- CreateTable
CREATE TABLE "model_aliases" (
    "model_name" TEXT NOT NULL,
    "alias" TEXT NOT NULL,
    "version_id" BIGINT NOT NULL,
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" TEXT NOT NULL,

    CONSTRAINT "model_aliases_pkey" PRIMARY KEY ("model_name","alias")
);

-- CreateTable
CREATE TABLE "model_audit" (
    "id" BIGSERIAL NOT NULL,
    "model_name" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "alias" TEXT,
    "from_version" INTEGER,
    "to_version" INTEGER,
    "actor" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "forced" BOOLEAN NOT NULL DEFAULT false,
    "gate" JSONB,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_audit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_evaluations" (
    "id" BIGSERIAL NOT NULL,
    "version_id" BIGINT NOT NULL,
    "windows_key" TEXT NOT NULL,
    "windows" JSONB NOT NULL,
    "model" JSONB NOT NULL,
    "seasonal_naive" JSONB NOT NULL,
    "per_window" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_evaluations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_outbox" (
    "id" BIGSERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "event" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(6),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "model_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "model_versions_created_at_idx" ON "model_versions"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "model_versions_model_name_version_key" ON "model_versions"("model_name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "model_versions_model_name_run_id_key" ON "model_versions"("model_name", "run_id");

-- CreateIndex
CREATE INDEX "model_aliases_version_id_idx" ON "model_aliases"("version_id");

-- CreateIndex
CREATE INDEX "model_audit_model_name_id_idx" ON "model_audit"("model_name", "id");

-- CreateIndex
CREATE INDEX "model_evaluations_version_id_windows_key_idx" ON "model_evaluations"("version_id", "windows_key");

-- CreateIndex
CREATE INDEX "model_outbox_sent_at_id_idx" ON "model_outbox"("sent_at", "id");

-- AddForeignKey
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_name_fkey" FOREIGN KEY ("model_name") REFERENCES "registered_models"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_model_name_fkey" FOREIGN KEY ("model_name") REFERENCES "registered_models"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "model_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_evaluations" ADD CONSTRAINT "model_evaluations_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "model_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
