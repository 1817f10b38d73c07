import { z } from 'zod';

import { calendarDate, currency, instant, nonNegativeDecimal, sku, storeId, timeZone } from '../common';
import { envelope } from '../envelope';

/** A sale (positive quantity) or a return (negative quantity, with a reason) at a store. */
export const SaleRecordedData = z
  .strictObject({
    storeId,
    sku,
    quantity: z
      .number()
      .finite()
      .refine((q) => q !== 0, 'must not be zero'),
    /** Price paid per unit, after discounts. */
    unitPrice: nonNegativeDecimal,
    currency,
    /** Why goods came back; required exactly when quantity is negative. */
    returnReason: z.enum(['damaged', 'defective', 'unwanted', 'wrong-item', 'other']).optional(),
    transactionId: z.string().max(128).optional(),
    channel: z.enum(['store', 'online', 'click-and-collect']).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.quantity < 0 && !d.returnReason) {
      ctx.addIssue({
        code: 'custom',
        path: ['returnReason'],
        message: 'a negative quantity is a return and needs a returnReason',
      });
    }
    if (d.quantity > 0 && d.returnReason) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'a returnReason needs a negative quantity' });
    }
  });
export const SaleRecorded = envelope('shelfcast.sale.recorded.v1', SaleRecordedData);
export type SaleRecorded = z.infer<typeof SaleRecorded>;

/** Stock counted at a store at the event time. */
export const InventorySnapshotData = z.strictObject({
  storeId,
  sku,
  onHand: z.number().int().min(0),
  onOrder: z.number().int().min(0).optional(),
});
export const InventorySnapshot = envelope('shelfcast.inventory.snapshot.v1', InventorySnapshotData);
export type InventorySnapshot = z.infer<typeof InventorySnapshot>;

/** A shelf price that takes effect at `effectiveFrom`. */
export const PriceChangedData = z.strictObject({
  storeId,
  sku,
  price: nonNegativeDecimal,
  /** The regular (non-promotional) price, for discount depth. */
  regularPrice: nonNegativeDecimal.optional(),
  currency,
  effectiveFrom: instant,
});
export const PriceChanged = envelope('shelfcast.price.changed.v1', PriceChangedData);
export type PriceChanged = z.infer<typeof PriceChanged>;

/** A promotion planned for a store x SKU over inclusive calendar dates. */
export const PromotionScheduledData = z
  .strictObject({
    promotionId: z.string().min(1).max(128),
    storeId,
    sku,
    startDate: calendarDate,
    endDate: calendarDate,
    kind: z.enum(['discount', 'display', 'feature', 'multi-buy', 'other']),
    discountPercent: z.number().finite().min(0).max(100).optional(),
  })
  .refine((d) => d.endDate >= d.startDate, { path: ['endDate'], message: 'must not be before startDate' });
export const PromotionScheduled = envelope('shelfcast.promotion.scheduled.v1', PromotionScheduledData);
export type PromotionScheduled = z.infer<typeof PromotionScheduled>;

/** Product master data. */
export const ProductUpsertedData = z.strictObject({
  sku,
  name: z.string().max(256).optional(),
  category: z.string().min(1).max(128),
  department: z.string().min(1).max(128),
  launchDate: calendarDate.optional(),
  casePack: z.number().int().min(1).default(1),
  leadTimeDays: z.number().int().min(0).max(365),
  minOrderQuantity: z.number().int().min(0).optional(),
});
export const ProductUpserted = envelope('shelfcast.product.upserted.v1', ProductUpsertedData);
export type ProductUpserted = z.infer<typeof ProductUpserted>;

/** Store master data. */
export const StoreUpsertedData = z.strictObject({
  storeId,
  name: z.string().max(256).optional(),
  region: z.string().min(1).max(64),
  timeZone,
  format: z.string().max(64).optional(),
  sizeSqft: z.number().int().positive().optional(),
});
export const StoreUpserted = envelope('shelfcast.store.upserted.v1', StoreUpsertedData);
export type StoreUpserted = z.infer<typeof StoreUpserted>;

/** Every event a retail back end may send. */
export const RetailEvent = z.discriminatedUnion('type', [
  SaleRecorded,
  InventorySnapshot,
  PriceChanged,
  PromotionScheduled,
  ProductUpserted,
  StoreUpserted,
]);
export type RetailEvent = z.infer<typeof RetailEvent>;
export type RetailEventType = RetailEvent['type'];

/** The schema of each retail event type, for precise per-type validation messages. */
export const RETAIL_EVENT_SCHEMAS = {
  'shelfcast.sale.recorded.v1': SaleRecorded,
  'shelfcast.inventory.snapshot.v1': InventorySnapshot,
  'shelfcast.price.changed.v1': PriceChanged,
  'shelfcast.promotion.scheduled.v1': PromotionScheduled,
  'shelfcast.product.upserted.v1': ProductUpserted,
  'shelfcast.store.upserted.v1': StoreUpserted,
} as const satisfies Record<RetailEventType, unknown>;
