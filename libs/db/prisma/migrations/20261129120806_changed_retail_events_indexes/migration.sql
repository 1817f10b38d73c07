-- DropIndex
DROP INDEX "retail_events_store_id_sku_business_date_idx";

-- CreateIndex
CREATE INDEX "retail_events_plans_idx" ON "retail_events"("store_id", "sku", "business_date") WHERE (type = ANY (ARRAY['shelfcast.price.changed.v1'::text, 'shelfcast.promotion.scheduled.v1'::text]));

-- CreateIndex
CREATE INDEX "retail_events_products_idx" ON "retail_events"("sku") WHERE (type = 'shelfcast.product.upserted.v1');

-- CreateIndex
CREATE INDEX "retail_events_stores_idx" ON "retail_events"("store_id") WHERE (type = 'shelfcast.store.upserted.v1');
