import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { RetailEvent } from '@shelfcast/contracts';

import { centsToDecimal, loadWalmartImport, readWalmartWeekly, walmartSaleEvent } from './walmart';

describe('Walmart import', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'walmart-import-'));
    const train = [
      'Store,Dept,Date,Weekly_Sales,IsHoliday',
      '1,1,2010-02-05,24924.5,FALSE',
      '1,1,2010-02-12,46039.49,TRUE',
      '1,1,2010-02-19,0,FALSE',
      '1,2,2010-02-05,-12.3,FALSE',
      '1,2,2010-02-19,0.01,FALSE',
      '2,1,2010-02-12,7,TRUE',
    ].join('\n');
    writeFileSync(join(dir, 'train.csv.gz'), gzipSync(train));
    writeFileSync(join(dir, 'stores.csv'), 'Store,Type,Size\n1,A,151315\n2,B,202307\n3,C,39690\n');
    writeFileSync(
      join(dir, 'features.csv'),
      'Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,MarkDown5,CPI,Unemployment,IsHoliday\n' +
        '1,2010-02-05,42.31,2.572,NA,NA,NA,NA,NA,211.09,8.106,FALSE\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('maps stores, departments and weekly dollars to valid events; returns as quantity -1; zero rows skipped', async () => {
    const plan = await loadWalmartImport(dir, { source: 'walmart-demo' });
    const events = [...plan.events()];
    expect(plan).toMatchObject({ stores: 2, departments: 2, series: 3, skippedZero: 1, returns: 1, total: 9 });
    expect(events).toHaveLength(9);
    for (const e of events) expect(RetailEvent.safeParse(e).success).toBe(true);
    expect(events.slice(0, 4).map((e) => e.id)).toEqual([
      'walmart-store-1',
      'walmart-store-2',
      'walmart-dept-1',
      'walmart-dept-2',
    ]);
    expect(events[1]).toMatchObject({
      source: 'walmart-demo',
      data: { storeId: '2', region: 'B', timeZone: 'America/Chicago', sizeSqft: 202307 },
    });
    expect(events[2].data).toMatchObject({ sku: 'dept-1', category: '1', department: '1' });
    // Sales week by week, stores and departments in order within a week.
    expect(events.slice(4).map((e) => e.id)).toEqual([
      'walmart-1-1-2010-02-05',
      'walmart-1-2-2010-02-05',
      'walmart-1-1-2010-02-12',
      'walmart-2-1-2010-02-12',
      'walmart-1-2-2010-02-19',
    ]);
    expect(events[4]).toEqual({
      id: 'walmart-1-1-2010-02-05',
      type: 'shelfcast.sale.recorded.v1',
      source: 'walmart-demo',
      time: '2010-02-05T00:00:00-06:00',
      data: { storeId: '1', sku: 'dept-1', quantity: 1, unitPrice: '24924.50', currency: 'USD', channel: 'store' },
    });
    expect(events[5].data).toMatchObject({ quantity: -1, unitPrice: '12.30', returnReason: 'other' });
    expect(events[8].data).toMatchObject({ quantity: 1, unitPrice: '0.01' });
  });

  it('limits the series and reads the weekly series back in cents, equal to the events net dollars', async () => {
    const plan = await loadWalmartImport(dir, { limitSeries: 1 });
    expect(plan).toMatchObject({ series: 1, stores: 1, departments: 1, total: 4 });
    const weekly = await readWalmartWeekly(dir);
    expect(weekly.series.map((s) => `${s.storeId}|${s.sku}`)).toEqual(['1|dept-1', '1|dept-2', '2|dept-1']);
    expect([...weekly.series[0].cents]).toEqual([
      ['2010-02-05', 2492450],
      ['2010-02-12', 4603949],
      ['2010-02-19', 0],
    ]);
    const net = new Map<string, number>();
    for (const e of (await loadWalmartImport(dir)).events()) {
      if (e.type !== 'shelfcast.sale.recorded.v1') continue;
      const key = `${e.data.storeId}|${e.data.sku}|${e.time.slice(0, 10)}`;
      net.set(key, (net.get(key) ?? 0) + e.data.quantity * Math.round(Number(e.data.unitPrice) * 100));
    }
    for (const s of weekly.series) {
      for (const [date, cents] of s.cents) expect(net.get(`${s.storeId}|${s.sku}|${date}`) ?? 0).toBe(cents);
    }
  });

  it('formats cents exactly', () => {
    expect(centsToDecimal(5)).toBe('0.05');
    expect(centsToDecimal(-123456)).toBe('1234.56');
    expect(walmartSaleEvent({ store: 1, dept: 1, date: '2010-02-05', weeklySales: 0.004 })).toBeNull();
    expect(walmartSaleEvent({ store: 1, dept: 1, date: '2010-02-05', weeklySales: 693099.36 })?.data.unitPrice).toBe(
      '693099.36',
    );
  });
});
