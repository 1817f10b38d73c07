-- CreateTable
CREATE TABLE "retail_events" (
    "source" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "store_id" TEXT,
    "sku" TEXT,
    "event_time" TIMESTAMPTZ(6) NOT NULL,
    "business_date" DATE NOT NULL,
    "arrived_at" TIMESTAMPTZ(6) NOT NULL,
    "quantity" DECIMAL,
    "amount" DECIMAL,
    "data" JSON NOT NULL,

    CONSTRAINT "retail_events_pkey" PRIMARY KEY ("source","id")
);

-- CreateTable
CREATE TABLE "series_daily" (
    "store_id" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "units" DECIMAL NOT NULL DEFAULT 0,
    "returned_units" DECIMAL NOT NULL DEFAULT 0,
    "net_sales" DECIMAL NOT NULL DEFAULT 0,
    "sale_events" INTEGER NOT NULL DEFAULT 0,
    "on_hand_min" INTEGER,
    "snapshots" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "series_daily_pkey" PRIMARY KEY ("store_id","sku","day")
);

-- CreateTable
CREATE TABLE "series" (
    "store_id" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "first_day" DATE NOT NULL,
    "last_day" DATE NOT NULL,
    "online_key" TEXT,

    CONSTRAINT "series_pkey" PRIMARY KEY ("store_id","sku")
);

-- CreateTable
CREATE TABLE "online_dirty" (
    "store_id" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "version" BIGSERIAL NOT NULL,
    "marked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_until" TIMESTAMPTZ(6),

    CONSTRAINT "online_dirty_pkey" PRIMARY KEY ("store_id","sku")
);

-- CreateTable
CREATE TABLE "feature_state" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "feature_state_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "retail_events_store_id_sku_business_date_idx" ON "retail_events"("store_id", "sku", "business_date");

-- CreateIndex
CREATE INDEX "online_dirty_version_idx" ON "online_dirty"("version");
